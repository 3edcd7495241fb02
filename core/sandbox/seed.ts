import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';


/**
 * A host folder as a tar for a workspace's own copy of it, extracted at `/` into `target`: owned by
 * the agent, symlinks kept as links (never followed, so a link to a key copies no key), set-id
 * bits dropped, and anything but folders, files and links left out. The host folder is only read.
 */
export function seedArchive(hostDir: string, target: string, agent: { uid: number; gid: number }): Readable {
  const pack = tarPack();
  void fill(pack, hostDir, target, agent).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error as Error),
  );
  return Readable.from(pack);
}

async function fill(pack: Pack, hostDir: string, target: string, agent: { uid: number; gid: number }): Promise<void> {
  const root = target.replace(/^\/+/, '');
  // The folders above the copy, up to the agent's home, are the agent's, as they would be in the image.
  const parts = root.split('/');
  for (let depth = 3; depth < parts.length; depth++) await entry(pack, { name: `${parts.slice(0, depth).join('/')}/`, type: 'directory', mode: 0o755, ...agent });
  await entry(pack, { name: `${root}/`, type: 'directory', mode: 0o755, ...agent });
  let folders = [''];
  while (folders.length) {
    const next: string[] = [];
    for (const folder of folders) {
      for (const name of (await fs.readdir(path.join(hostDir, folder))).sort()) {
        const rel = folder ? `${folder}/${name}` : name;
        const stat = await fs.lstat(path.join(hostDir, rel));
        const header = { name: `${root}/${rel}`, mode: stat.mode & 0o777, mtime: stat.mtime, ...agent };
        if (stat.isDirectory()) {
          await entry(pack, { ...header, name: `${header.name}/`, type: 'directory' });
          next.push(rel);
        } else if (stat.isSymbolicLink()) {
          await entry(pack, { ...header, type: 'symlink', linkname: await fs.readlink(path.join(hostDir, rel)) });
        } else if (stat.isFile()) {
          await entry(pack, { ...header, type: 'file' }, await fs.readFile(path.join(hostDir, rel)));
        }
      }
    }
    folders = next;
  }
}

function entry(pack: Pack, header: Parameters<Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body) pack.entry(header, body, done);
    else pack.entry(header, done);
  });
}
