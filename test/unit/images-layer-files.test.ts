import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readImageExport } from '../../core/images/layer-files.ts';

type Entry = { name: string; body?: Buffer | string; type?: 'file' | 'directory' | 'symlink'; linkname?: string };

/** A real tar archive (tar-stream's packer, as `docker save` writes them), as a buffer. */
async function tar(entries: Entry[]): Promise<Buffer> {
  const archive = pack();
  for (const entry of entries) {
    if (entry.type === 'directory' || entry.type === 'symlink') archive.entry({ name: entry.name, type: entry.type, linkname: entry.linkname });
    else archive.entry({ name: entry.name, mode: 0o644 }, entry.body ?? '');
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const digest = (data: Buffer) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

const HISTORY = [
  { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
  { created_by: '/bin/sh -c #(nop)  ENV A=1', empty_layer: true },
  { created_by: '/bin/sh -c apt-get install -y curl' },
  { created_by: '/bin/sh -c #(nop)  LABEL dev.paddock.role=overlay', empty_layer: true },
  { created_by: '/bin/sh -c rm /etc/motd' },
];

async function layers(): Promise<Buffer[]> {
  return [
    await tar([{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', body: 'hello' }, { name: 'bin/sh', type: 'symlink', linkname: 'dash' }]),
    await tar([{ name: 'usr/bin/curl', body: 'x'.repeat(1000) }]),
    await tar([{ name: 'etc/.wh.motd' }, { name: 'opt/.wh..wh..opq' }]),
  ];
}

describe('readImageExport', () => {
  it('lists each shown layer of a legacy export, in history order, without Paddock\'s label steps', async () => {
    const [base, curl, removal] = await layers();
    const config = { history: HISTORY, rootfs: { diff_ids: [base, curl, removal].map((layer) => digest(layer as Buffer)) } };
    // Entries sorted by name as Docker writes them: the manifest comes last, the config in between.
    const exported = await tar([
      { name: 'aaa/layer.tar', body: removal },
      { name: 'bbb/layer.tar', body: base },
      { name: 'ccc.json', body: JSON.stringify(config) },
      { name: 'ddd/layer.tar', body: curl },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'ccc.json', Layers: ['bbb/layer.tar', 'ddd/layer.tar', 'aaa/layer.tar'] }]) },
    ]);
    const result = await readImageExport(Readable.from([exported]), 'img');
    expect(result.layers).toHaveLength(4);
    expect(result.layers[0]?.map((file) => [file.path, file.type])).toEqual([['/etc', 'directory'], ['/etc/motd', 'file'], ['/bin/sh', 'symlink']]);
    expect(result.layers[1]).toEqual([]);
    expect(result.layers[2]).toEqual([{ path: '/usr/bin/curl', type: 'file', size: 1000, mode: 0o644, deleted: false }]);
    expect(result.layers[3]?.map((file) => [file.path, file.deleted])).toEqual([['/etc/motd', true], ['/opt', true]]);
  });

  it('reads the OCI layout, with gzip-compressed layers and an index that points at a manifest', async () => {
    const [base, curl, removal] = (await layers()) as [Buffer, Buffer, Buffer];
    const gzipped = zlib.gzipSync(curl);
    const config = Buffer.from(JSON.stringify({ history: HISTORY }));
    const manifest = Buffer.from(JSON.stringify({ config: { digest: digest(config) }, layers: [base, gzipped, removal].map((layer) => ({ digest: digest(layer) })) }));
    const index = { manifests: [{ digest: digest(manifest) }] };
    const blob = (data: Buffer) => ({ name: `blobs/${digest(data).replace(':', '/')}`, body: data });
    const exported = await tar([{ name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' }, blob(removal), blob(config), blob(base), blob(gzipped), blob(manifest), { name: 'index.json', body: JSON.stringify(index) }]);
    const result = await readImageExport(Readable.from([exported]), 'img');
    expect(result.layers.map((files) => files.map((file) => file.path))).toEqual([['/etc', '/etc/motd', '/bin/sh'], [], ['/usr/bin/curl'], ['/etc/motd', '/opt']]);
  });

  it('says what is wrong with an archive that is not an image export', async () => {
    await expect(readImageExport(Readable.from([await tar([{ name: 'README', body: 'hi' }])]), 'img')).rejects.toThrow(/neither a manifest.json nor an OCI index/);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const endless = new Readable({ read() {} });
    const reading = readImageExport(endless, 'img', controller.signal);
    controller.abort();
    await expect(reading).rejects.toThrow(/abort/i);
  });
});
