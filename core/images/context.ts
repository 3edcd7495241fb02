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
  /** Each file's and symlink's mode and content hash (or link target), by path. */
  fileHashes: Map<string, string>;
  filesRead: number;
  filesCached: number;
}

async function hashFile(abs: string, size: number): Promise<string> {
  if (size <= WHOLE_READ_LIMIT) return crypto.createHash('sha256').update(await fsp.readFile(abs)).digest('hex');
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
        hash = await hashFile(abs, entry.size);
        cache.set(key, hash, entry);
        filesRead++;
      }
      contentHashes[index] = hash;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await cache.save(used);
  const digest = crypto.createHash('sha256');
  const fileHashes = new Map<string, string>();
  scan.entries.forEach((entry, index) => {
    digest.update(`${entry.type} ${entry.mode.toString(8)} ${entry.size} ${contentHashes[index]} ${JSON.stringify(entry.path)}\n`);
    if (entry.type !== 'dir') fileHashes.set(entry.path, `${entry.type} ${entry.mode.toString(8)} ${contentHashes[index]}`);
  });
  return { digest: digest.digest('hex'), fileHashes, filesRead, filesCached };
}

type TarHeader = Partial<Header> & Pick<Header, 'name'>;

/**
 * The name the Dockerfile travels under. Fixed, so unchanged builds reuse the engine's cache, and
 * listed in the tar's .dockerignore, so the engine drops it before COPY (as the docker CLI does).
 */
export const SENT_DOCKERFILE = '.paddock.Dockerfile';

/** Files up to this size are read in one call: for small files a stream costs more than the read. */
const WHOLE_READ_LIMIT = 512 * 1024;

/** The .dockerignore the engine sees: the user's rules plus the generated Dockerfile. */
async function sentDockerignore(scan: ContextScan | null): Promise<string> {
  const own = scan?.entries.find((entry) => entry.path === '.dockerignore' && entry.type === 'file');
  if (!own || !scan) return `${SENT_DOCKERFILE}\n.dockerignore\n`;
  return `${await fsp.readFile(path.join(scan.root, own.path), 'utf8')}\n${SENT_DOCKERFILE}\n`;
}

/**
 * Streams the context as a tar straight from the files (never a copy in a temp folder), with the
 * Dockerfile to build (after `ARG BASE` injection) as a generated entry.
 */
export function packContext(scan: ContextScan | null, dockerfile: string, signal?: AbortSignal): Readable {
  const pack = tarPack();
  const add = (header: TarHeader, body: string | Uint8Array = '') =>
    new Promise<void>((resolve, reject) => pack.entry(header, body, (error) => (error ? reject(error) : resolve())));
  const addStreamed = (header: TarHeader, abs: string) =>
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
  const changed = (file: string) => new Error(`a context file changed while it was being sent (${file}); build again`);
  (async () => {
    // Generated entries get a fixed time, so nothing about them differs between two builds.
    const now = new Date(0);
    await add({ name: SENT_DOCKERFILE, mode: 0o644, mtime: now, uid: 0, gid: 0 }, dockerfile);
    const ignore = await sentDockerignore(scan);
    for (const entry of scan?.entries ?? []) {
      if (signal?.aborted) throw signal.reason;
      const header: TarHeader = { name: entry.path, mode: entry.mode, mtime: new Date(entry.mtimeMs), uid: 0, gid: 0 };
      const abs = path.join(scan?.root ?? '', entry.path);
      if (entry.type === 'dir') await add({ ...header, type: 'directory' });
      else if (entry.type === 'symlink') await add({ ...header, type: 'symlink', linkname: entry.target ?? '' });
      else if (entry.path === '.dockerignore') await add({ ...header, type: 'file' }, ignore);
      else if (entry.size <= WHOLE_READ_LIMIT) {
        const content = await fsp.readFile(abs);
        if (content.length !== entry.size) throw changed(entry.path);
        await add({ ...header, type: 'file', size: entry.size }, content);
      } else await addStreamed({ ...header, type: 'file', size: entry.size }, abs);
    }
    if (!scan?.entries.some((entry) => entry.path === '.dockerignore')) await add({ name: '.dockerignore', mode: 0o644, mtime: now, uid: 0, gid: 0 }, ignore);
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  // tar-stream fails its own stream with a bare "Size mismatch" first; what leaves here says why.
  const out = new PassThrough();
  pack.on('error', (error: Error) => {
    const message = /size mismatch/i.test(error.message) ? changed(error.message).message : error.message;
    out.destroy(Object.assign(new Error(message), { cause: error }));
  });
  pack.pipe(out);
  return out;
}
