import { Buffer } from 'node:buffer';
import { pack as tarPack, type Header } from 'tar-stream';

/** Small files for a container, as the tar the Engine API's putArchive takes. */
export function tarArchive(entries: ReadonlyArray<{ header: Partial<Header> & Pick<Header, 'name'>; body?: Buffer | string }>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const { header, body } of entries) {
    if (body === undefined) pack.entry(header);
    else pack.entry(header, body);
  }
  pack.finalize();
  return done;
}
