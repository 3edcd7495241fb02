import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { pack as tarPack, type Header } from 'tar-stream';
import { writeFileAtomic } from '../config/edit.ts';

export interface ContextEntry {
  /** Path inside the context, `/`-separated. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (and setuid/setgid/sticky). */
  mode: number;
  size: number;
  mtimeMs: number;
  ino: number;
  /** For symlinks: where they point. */
  target?: string;
}

export interface ContextScan {
  root: string;
  /** The ignore rules applied. */
  rules: string[];
  entries: ContextEntry[];
}

/**
 * The ignore rules for a build: `<Dockerfile>.dockerignore` next to the Dockerfile wins over the
 * context's `.dockerignore`, as in BuildKit.
 */
export async function readIgnoreRules(root: string, dockerfilePath: string | null): Promise<string[]> {
  const candidates = [dockerfilePath ? `${dockerfilePath}.dockerignore` : null, path.join(root, '.dockerignore')];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      const text = await fsp.readFile(candidate, 'utf8');
      return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return [];
}

/** Every file, folder and symlink of the context that survives the ignore rules, sorted by path. */
export async function scanContext(root: string, ignoreRules: string[]): Promise<ContextScan> {
  const matcher = dockerignore.default().add(ignoreRules);
  // Without `!` exceptions nothing below an ignored folder can come back, so it is not walked.
  const prune = !ignoreRules.some((rule) => rule.startsWith('!'));
  const entries: ContextEntry[] = [];
  let folders = [''];
  while (folders.length) {
    const next: string[] = [];
    await Promise.all(
      folders.map(async (folder) => {
        const dirents = await fsp.readdir(path.join(root, folder), { withFileTypes: true });
        await Promise.all(
          dirents.map(async (dirent) => {
            const rel = folder ? `${folder}/${dirent.name}` : dirent.name;
            const ignored = matcher.ignores(rel);
            if (ignored && (prune || !dirent.isDirectory())) return;
            const abs = path.join(root, rel);
            const stat = await fsp.lstat(abs);
            const base = { path: rel, mode: stat.mode & 0o7777, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
            if (stat.isDirectory()) {
              if (!ignored) entries.push({ ...base, type: 'dir', size: 0 });
              next.push(rel);
            } else if (stat.isSymbolicLink()) {
              entries.push({ ...base, type: 'symlink', target: await fsp.readlink(abs) });
            } else if (stat.isFile()) {
              entries.push({ ...base, type: 'file' });
            }
          }),
        );
      }),
    );
    folders = next;
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, rules: ignoreRules, entries };
}

/**
 * Content hashes of context files, remembered by path, size, mtime and inode so an unchanged
 * tree is checked without reading it. Files changed within the last two seconds are not
 * remembered: a second write in the same mtime tick would otherwise go unnoticed.
 */
export class FileHashCache {
  private readonly hashes: Map<string, string>;
  private dirty = false;

  private constructor(
    private readonly file: string | null,
    entries: Array<[string, string]>,
  ) {
    this.hashes = new Map(entries);
  }

  static async load(file: string | null): Promise<FileHashCache> {
    if (!file) return new FileHashCache(null, []);
    try {
      const data = JSON.parse(await fsp.readFile(file, 'utf8')) as { version?: number; hashes?: Array<[string, string]> };
      return new FileHashCache(file, data.version === 1 && Array.isArray(data.hashes) ? data.hashes : []);
    } catch {
      return new FileHashCache(file, []);
    }
  }

  static key(abs: string, entry: ContextEntry): string {
    return `${abs}\u0000${entry.size}\u0000${entry.mtimeMs}\u0000${entry.ino}`;
  }

  get(key: string): string | undefined {
    return this.hashes.get(key);
  }

  set(key: string, hash: string, entry: ContextEntry): void {
    if (Date.now() - entry.mtimeMs < 2000) return;
    this.hashes.set(key, hash);
    this.dirty = true;
  }

  /** Keeps only the keys used by this build, so the cache tracks the tree instead of growing. */
  async save(used: Set<string>): Promise<void> {
    if (!this.file) return;
    for (const key of this.hashes.keys()) {
      if (!used.has(key)) {
        this.hashes.delete(key);
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    writeFileAtomic(this.file, JSON.stringify({ version: 1, hashes: [...this.hashes] }));
    this.dirty = false;
  }
}

export interface ContextDigest {
  digest: string;
  filesRead: number;
  filesCached: number;
}

async function hashFile(abs: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(abs, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One digest over the whole context: each entry's path, type, mode, size and content (or link target). */
export async function digestContext(scan: ContextScan, cache: FileHashCache, concurrency = 8): Promise<ContextDigest> {
  const contentHashes = new Array<string>(scan.entries.length);
  const used = new Set<string>();
  let filesRead = 0;
  let filesCached = 0;
  let next = 0;
  const worker = async () => {
    while (next < scan.entries.length) {
      const index = next++;
      const entry = scan.entries[index] as ContextEntry;
      if (entry.type !== 'file') {
        contentHashes[index] = entry.target ?? '';
        continue;
      }
      const abs = path.join(scan.root, entry.path);
      const key = FileHashCache.key(abs, entry);
      used.add(key);
      let hash = cache.get(key);
      if (hash) filesCached++;
      else {
        hash = await hashFile(abs);
        cache.set(key, hash, entry);
        filesRead++;
      }
      contentHashes[index] = hash;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await cache.save(used);
  const digest = crypto.createHash('sha256');
  scan.entries.forEach((entry, index) => {
    digest.update(`${entry.type} ${entry.mode.toString(8)} ${entry.size} ${contentHashes[index]} ${JSON.stringify(entry.path)}\n`);
  });
  return { digest: digest.digest('hex'), filesRead, filesCached };
}

type TarHeader = Partial<Header> & Pick<Header, 'name'>;

export interface ExtraFile {
  name: string;
  content: string;
}

/**
 * Streams the context as a tar straight from the files (never a copy in a temp folder), plus
 * generated files such as the Dockerfile after `ARG BASE` injection.
 */
export function packContext(scan: ContextScan | null, extra: ExtraFile[], signal?: AbortSignal): Readable {
  const pack = tarPack();
  const add = (header: TarHeader, body = '') =>
    new Promise<void>((resolve, reject) => pack.entry(header, body, (error) => (error ? reject(error) : resolve())));
  const addFile = (header: TarHeader, abs: string) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
      const source = fs.createReadStream(abs);
      source.on('error', (error) => {
        sink.destroy(error);
        reject(error);
      });
      sink.on('error', reject);
      source.pipe(sink);
    });
  (async () => {
    const now = new Date();
    for (const file of extra) await add({ name: file.name, mode: 0o644, mtime: now, uid: 0, gid: 0 }, file.content);
    for (const entry of scan?.entries ?? []) {
      if (signal?.aborted) throw signal.reason;
      const header: TarHeader = { name: entry.path, mode: entry.mode, mtime: new Date(entry.mtimeMs), uid: 0, gid: 0 };
      if (entry.type === 'dir') await add({ ...header, type: 'directory' });
      else if (entry.type === 'symlink') await add({ ...header, type: 'symlink', linkname: entry.target ?? '' });
      else await addFile({ ...header, type: 'file', size: entry.size }, path.join(scan?.root ?? '', entry.path));
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  // tar-stream fails its own stream with a bare "Size mismatch" first; what leaves here says why.
  const out = new PassThrough();
  pack.on('error', (error: Error) => {
    const message = /size mismatch/i.test(error.message) ? `a context file changed while it was being sent (${error.message}); build again` : error.message;
    out.destroy(Object.assign(new Error(message), { cause: error }));
  });
  pack.pipe(out);
  return out;
}
