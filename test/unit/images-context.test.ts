import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { extract } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  digestContext, FileHashCache, packContext, SENT_DOCKERFILE, readIgnoreRules, scanContext, type ContextScan,
} from '../../core/images/context.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix = 'paddock-ctx-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

const PAST = new Date(Date.now() - 10_000);

/** Writes files (relative path → content), with mtimes 10 s in the past so the hash cache keeps them. */
function tree(root: string, files: Record<string, string | { content: string; mode: number }>): string {
  for (const [rel, spec] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const { content, mode } = typeof spec === 'string' ? { content: spec, mode: 0o644 } : spec;
    fs.writeFileSync(abs, content);
    fs.chmodSync(abs, mode);
    fs.utimesSync(abs, PAST, PAST);
  }
  return root;
}

function age(abs: string, when = PAST): void {
  fs.utimesSync(abs, when, when);
}

/** Paths as `scanContext` lists them, folders with a trailing `/` and symlinks with `@`. */
async function listing(root: string, rules: string[]): Promise<string[]> {
  const scan = await scanContext(root, rules);
  return scan.entries.map((e) => e.path + (e.type === 'dir' ? '/' : e.type === 'symlink' ? '@' : ''));
}

async function digestOf(root: string, rules: string[] = [], cache?: FileHashCache) {
  return digestContext(await scanContext(root, rules), cache ?? (await FileHashCache.load(null)));
}

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname: string | null;
  body: string;
}

async function untar(stream: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve());
    ex.on('error', reject);
    stream.on('error', reject);
  });
  ex.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    body.on('end', () => {
      entries.push({
        name: header.name,
        type: header.type,
        mode: header.mode & 0o7777,
        size: header.size,
        linkname: header.linkname ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      next();
    });
  });
  stream.pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}

async function tarBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('readIgnoreRules', () => {
  it('reads the context .dockerignore, dropping comments, blank lines and surrounding spaces (CRLF too)', async () => {
    const root = tree(tempDir(), { '.dockerignore': '# comment\r\n*.log\r\n\r\n   node_modules  \r\n!keep.log\r\n' });
    expect(await readIgnoreRules(root, path.join(root, 'Dockerfile'))).toEqual(['*.log', 'node_modules', '!keep.log']);
    expect(await readIgnoreRules(root, null)).toEqual(['*.log', 'node_modules', '!keep.log']);
  });

  it('prefers <Dockerfile>.dockerignore next to the Dockerfile over the context .dockerignore', async () => {
    const root = tree(tempDir(), { '.dockerignore': 'context-rule\n', 'dev.Dockerfile.dockerignore': 'dockerfile-rule\n' });
    expect(await readIgnoreRules(root, path.join(root, 'dev.Dockerfile'))).toEqual(['dockerfile-rule']);
    expect(await readIgnoreRules(root, path.join(root, 'other.Dockerfile'))).toEqual(['context-rule']);
  });

  it('lets an empty <Dockerfile>.dockerignore win: it ignores nothing', async () => {
    const root = tree(tempDir(), { '.dockerignore': '*\n', 'Dockerfile.dockerignore': '' });
    expect(await readIgnoreRules(root, path.join(root, 'Dockerfile'))).toEqual([]);
  });

  it('finds <Dockerfile>.dockerignore next to a Dockerfile outside the context (build_context)', async () => {
    const root = tree(tempDir(), { '.dockerignore': 'from-context\n' });
    const elsewhere = tree(tempDir(), { 'Dockerfile.dockerignore': 'from-dockerfile\n' });
    expect(await readIgnoreRules(root, path.join(elsewhere, 'Dockerfile'))).toEqual(['from-dockerfile']);
  });

  it('is empty without any ignore file', async () => {
    expect(await readIgnoreRules(tempDir(), null)).toEqual([]);
  });
});

describe('scanContext', () => {
  const FILES = {
    'a.log': 'a',
    'keep.log': 'k',
    'sub/b.log': 'b',
    'sub/keep.log': 'k',
    'sub/deep/c.log': 'c',
    'node_modules/pkg/index.js': 'js',
    'src/main.ts': 'ts',
    'src/node_modules/z.js': 'z',
    'docs/a.md': 'a',
    'docs/keep.md': 'k',
    'foo/bar': 'bar',
    'x/foo/bar': 'bar',
  };

  it('lists every file and folder, sorted by path, with nothing ignored', async () => {
    const root = tree(tempDir(), FILES);
    const paths = await listing(root, []);
    expect(paths).toEqual([
      'a.log', 'docs/', 'docs/a.md', 'docs/keep.md', 'foo/', 'foo/bar', 'keep.log', 'node_modules/', 'node_modules/pkg/',
      'node_modules/pkg/index.js', 'src/', 'src/main.ts', 'src/node_modules/', 'src/node_modules/z.js', 'sub/', 'sub/b.log',
      'sub/deep/', 'sub/deep/c.log', 'sub/keep.log', 'x/', 'x/foo/', 'x/foo/bar',
    ]);
    const scan = await scanContext(root, []);
    const raw = scan.entries.map((e) => e.path);
    expect(raw).toEqual([...raw].sort());
    expect(scan.root).toBe(root);
  });

  it('`**/*.log` ignores logs at every depth; `node_modules` only at the context root', async () => {
    const root = tree(tempDir(), FILES);
    const paths = await listing(root, ['**/*.log', 'node_modules']);
    expect(paths.filter((p) => p.endsWith('.log'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('node_modules'))).toEqual([]);
    expect(paths).toContain('src/node_modules/z.js');
    expect(paths).toContain('sub/deep/');
  });

  it('`**/node_modules` ignores the folder wherever it is', async () => {
    const root = tree(tempDir(), FILES);
    expect((await listing(root, ['**/node_modules'])).filter((p) => p.includes('node_modules'))).toEqual([]);
  });

  it('`*.log` is anchored at the root: logs in sub-folders stay', async () => {
    const root = tree(tempDir(), FILES);
    const logs = (await listing(root, ['*.log'])).filter((p) => p.endsWith('.log'));
    expect(logs).toEqual(['sub/b.log', 'sub/deep/c.log', 'sub/keep.log']);
  });

  it('`!keep.log` brings back the root keep.log only; `!**/keep.log` brings back all of them', async () => {
    const root = tree(tempDir(), FILES);
    const rootOnly = await listing(root, ['**/*.log', 'node_modules', '!keep.log']);
    expect(rootOnly.filter((p) => p.endsWith('.log'))).toEqual(['keep.log']);
    expect(rootOnly.filter((p) => p.startsWith('node_modules'))).toEqual([]);
    const everywhere = await listing(root, ['**/*.log', '!**/keep.log']);
    expect(everywhere.filter((p) => p.endsWith('.log'))).toEqual(['keep.log', 'sub/keep.log']);
  });

  it('an exception inside an ignored folder keeps that file but not the folder entry or its siblings', async () => {
    const root = tree(tempDir(), FILES);
    const paths = await listing(root, ['docs', '!docs/keep.md']);
    expect(paths.filter((p) => p.startsWith('docs'))).toEqual(['docs/keep.md']);
  });

  it('`*` with `!src` keeps exactly the src folder and everything below it', async () => {
    const root = tree(tempDir(), FILES);
    expect(await listing(root, ['*', '!src'])).toEqual(['src/', 'src/main.ts', 'src/node_modules/', 'src/node_modules/z.js']);
  });

  it('a leading slash anchors at the context root, like no slash', async () => {
    const root = tree(tempDir(), FILES);
    for (const rule of ['/foo/bar', 'foo/bar', './foo/bar']) {
      const paths = await listing(root, [rule]);
      expect(paths, rule).not.toContain('foo/bar');
      expect(paths, rule).toContain('foo/');
      expect(paths, rule).toContain('x/foo/bar');
    }
  });

  it('`dir/**` ignores what is in the folder; `src/**/*.ts` matches at any depth, including none', async () => {
    const root = tree(tempDir(), { 'src/a.ts': '', 'src/deep/er/b.ts': '', 'src/c.js': '', 'out/x/y': '' });
    expect(await listing(root, ['src/**/*.ts'])).toEqual(['out/', 'out/x/', 'out/x/y', 'src/', 'src/c.js', 'src/deep/', 'src/deep/er/']);
    expect(await listing(root, ['out/**'])).toEqual(['out/', 'src/', 'src/a.ts', 'src/c.js', 'src/deep/', 'src/deep/er/', 'src/deep/er/b.ts']);
  });

  it('keeps symlinks as symlinks (to files, to folders, dangling) and does not walk into linked folders', async () => {
    const root = tree(tempDir(), { 'real/file.txt': 'x', 'target.txt': 't' });
    fs.symlinkSync('target.txt', path.join(root, 'link-file'));
    fs.symlinkSync('real', path.join(root, 'link-dir'));
    fs.symlinkSync('does/not/exist', path.join(root, 'dangling'));
    const scan = await scanContext(root, []);
    const links = scan.entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.target]);
    expect(links).toEqual([['dangling', 'does/not/exist'], ['link-dir', 'real'], ['link-file', 'target.txt']]);
    expect(scan.entries.some((e) => e.path.startsWith('link-dir/'))).toBe(false);
  });

  it('applies ignore rules to symlinks too', async () => {
    const root = tree(tempDir(), { 'a.txt': '' });
    fs.symlinkSync('a.txt', path.join(root, 'a.log'));
    expect(await listing(root, ['*.log'])).toEqual(['a.txt']);
  });

  it('records permission bits, including setgid and sticky bits on folders', async () => {
    const root = tree(tempDir(), { 'run.sh': { content: '#!/bin/sh\n', mode: 0o755 }, 'secret': { content: 's', mode: 0o600 }, 'shared/x': '' });
    fs.chmodSync(path.join(root, 'shared'), 0o3770);
    const modes = Object.fromEntries((await scanContext(root, [])).entries.map((e) => [e.path, e.mode]));
    expect(modes).toEqual({ 'run.sh': 0o755, secret: 0o600, shared: 0o3770, 'shared/x': 0o644 });
  });

  it('skips named pipes (sending one would block the build)', async () => {
    const root = tree(tempDir(), { 'a.txt': 'a' });
    expect(spawnSync('mkfifo', [path.join(root, 'pipe')]).status).toBe(0);
    expect(await listing(root, [])).toEqual(['a.txt']);
  });

  it('gives files their size and folders size 0', async () => {
    const root = tree(tempDir(), { 'dir/five': '12345' });
    const scan = await scanContext(root, []);
    expect(scan.entries.map((e) => [e.path, e.type, e.size])).toEqual([['dir', 'dir', 0], ['dir/five', 'file', 5]]);
  });

  it('is empty for an empty folder', async () => {
    expect((await scanContext(tempDir(), [])).entries).toEqual([]);
  });
});

describe('FileHashCache and digestContext', () => {
  it('reads every file once, then none for an unchanged tree', async () => {
    const root = tree(tempDir(), { a: '1', 'b/c': '2', 'b/d/e': '3' });
    const cache = await FileHashCache.load(null);
    const first = await digestContext(await scanContext(root, []), cache);
    expect(first).toMatchObject({ filesRead: 3, filesCached: 0 });
    const second = await digestContext(await scanContext(root, []), cache);
    expect(second).toMatchObject({ digest: first.digest, filesRead: 0, filesCached: 3 });
    expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('persists across FileHashCache.load of the same file', async () => {
    const root = tree(tempDir(), { a: '1', 'b/c': '2', 'b/d/e': '3' });
    const file = path.join(tempDir(), 'nested', 'hashes.json');
    const first = await digestContext(await scanContext(root, []), await FileHashCache.load(file));
    expect(first.filesRead).toBe(3);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; hashes: Array<[string, string]> };
    expect(saved.version).toBe(1);
    expect(saved.hashes).toHaveLength(3);
    const second = await digestContext(await scanContext(root, []), await FileHashCache.load(file));
    expect(second).toMatchObject({ digest: first.digest, filesRead: 0, filesCached: 3 });
  });

  it('does not remember files changed in the last two seconds', async () => {
    const root = tree(tempDir(), { old: 'o' });
    fs.writeFileSync(path.join(root, 'fresh'), 'f');
    const cache = await FileHashCache.load(null);
    await digestContext(await scanContext(root, []), cache);
    expect(await digestContext(await scanContext(root, []), cache)).toMatchObject({ filesRead: 1, filesCached: 1 });
  });

  it('treats an unreadable or foreign cache file as empty', async () => {
    const root = tree(tempDir(), { a: '1', b: '2' });
    const dir = tempDir();
    for (const [name, content] of [['garbage.json', '{not json'], ['v2.json', JSON.stringify({ version: 2, hashes: [] })], ['array.json', '[]']]) {
      const file = path.join(dir, name as string);
      fs.writeFileSync(file, content as string);
      expect(await digestContext(await scanContext(root, []), await FileHashCache.load(file))).toMatchObject({ filesRead: 2, filesCached: 0 });
      expect(await digestContext(await scanContext(root, []), await FileHashCache.load(file))).toMatchObject({ filesRead: 0, filesCached: 2 });
    }
  });

  it('forgets the hashes of files that are gone', async () => {
    const root = tree(tempDir(), { a: '1', b: '2', c: '3' });
    const file = path.join(tempDir(), 'hashes.json');
    await digestContext(await scanContext(root, []), await FileHashCache.load(file));
    fs.rmSync(path.join(root, 'b'));
    await digestContext(await scanContext(root, []), await FileHashCache.load(file));
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { hashes: Array<[string, string]> };
    expect(saved.hashes.map(([key]) => path.basename(key.split('\u0000')[0] ?? ''))).toEqual(expect.arrayContaining(['a', 'c']));
    expect(saved.hashes).toHaveLength(2);
  });

  it('re-reads a file whose mtime changed, and the digest stays the same when only the mtime changed', async () => {
    const root = tree(tempDir(), { a: 'same', b: 'other' });
    const cache = await FileHashCache.load(null);
    const before = await digestContext(await scanContext(root, []), cache);
    age(path.join(root, 'a'), new Date(Date.now() - 60_000));
    const after = await digestContext(await scanContext(root, []), cache);
    expect(after).toMatchObject({ digest: before.digest, filesRead: 1, filesCached: 1 });
  });

  it('changes the digest when a file content changes, even with the same size', async () => {
    const root = tree(tempDir(), { a: 'aaaa', b: 'bbbb' });
    const cache = await FileHashCache.load(null);
    const before = await digestOf(root, [], cache);
    fs.writeFileSync(path.join(root, 'a'), 'AAAA');
    age(path.join(root, 'a'), new Date(Date.now() - 20_000));
    expect((await digestOf(root, [], cache)).digest).not.toBe(before.digest);
  });

  it('changes the digest on a mode change', async () => {
    const root = tree(tempDir(), { 'run.sh': 'echo' });
    const before = await digestOf(root);
    fs.chmodSync(path.join(root, 'run.sh'), 0o755);
    expect((await digestOf(root)).digest).not.toBe(before.digest);
  });

  it('changes the digest on a folder mode change', async () => {
    const root = tree(tempDir(), { 'dir/x': '' });
    const before = await digestOf(root);
    fs.chmodSync(path.join(root, 'dir'), 0o700);
    expect((await digestOf(root)).digest).not.toBe(before.digest);
  });

  it('changes the digest on a rename, a new file, a new empty folder and a symlink target change', async () => {
    const root = tree(tempDir(), { a: 'x' });
    fs.symlinkSync('a', path.join(root, 'link'));
    const seen = new Set([(await digestOf(root)).digest]);
    fs.renameSync(path.join(root, 'a'), path.join(root, 'b'));
    seen.add((await digestOf(root)).digest);
    tree(root, { c: '' });
    seen.add((await digestOf(root)).digest);
    fs.mkdirSync(path.join(root, 'empty'));
    seen.add((await digestOf(root)).digest);
    fs.rmSync(path.join(root, 'link'));
    fs.symlinkSync('b', path.join(root, 'link'));
    seen.add((await digestOf(root)).digest);
    expect(seen.size).toBe(5);
  });

  it('does not change for ignored files, whatever happens to them', async () => {
    const root = tree(tempDir(), { 'src/a.ts': 'a', 'debug.log': 'one', 'node_modules/x.js': 'x' });
    const rules = ['*.log', 'node_modules'];
    const before = await digestOf(root, rules);
    fs.writeFileSync(path.join(root, 'debug.log'), 'two, longer');
    tree(root, { 'node_modules/y.js': 'y', 'new.log': '' });
    fs.chmodSync(path.join(root, 'node_modules/x.js'), 0o755);
    expect((await digestOf(root, rules)).digest).toBe(before.digest);
  });

  it('depends on paths inside the context, not on where the context is', async () => {
    const files = { 'a/b': '1', c: '2' };
    expect((await digestOf(tree(tempDir(), files))).digest).toBe((await digestOf(tree(tempDir(), files))).digest);
  });

  it('does not confuse a file content with a symlink to it', async () => {
    const one = tree(tempDir(), { x: 'target' });
    const two = tempDir();
    fs.symlinkSync('target', path.join(two, 'x'));
    expect((await digestOf(one)).digest).not.toBe((await digestOf(two)).digest);
  });

  it('checks 10 000 unchanged files from the cache quickly, reading none', async () => {
    const root = tempDir();
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, `d${d}`);
      fs.mkdirSync(dir);
      for (let f = 0; f < 100; f++) {
        const file = path.join(dir, `f${f}.txt`);
        fs.writeFileSync(file, `${d}/${f}`);
        fs.utimesSync(file, PAST, PAST);
      }
    }
    const cacheFile = path.join(tempDir(), 'hashes.json');
    const first = await digestContext(await scanContext(root, []), await FileHashCache.load(cacheFile));
    expect(first.filesRead).toBe(10_000);
    const started = performance.now();
    const second = await digestContext(await scanContext(root, []), await FileHashCache.load(cacheFile));
    const elapsed = performance.now() - started;
    expect(second).toMatchObject({ digest: first.digest, filesRead: 0, filesCached: 10_000 });
    expect(elapsed).toBeLessThan(1500);
  }, 30_000);
});

describe('packContext', () => {
  const DOCKERFILE = { name: SENT_DOCKERFILE, content: 'ARG BASE\nFROM ${BASE}\nCOPY . /src\n' };
  const IGNORE = { name: '.dockerignore', content: `${SENT_DOCKERFILE}\n.dockerignore\n` };

  async function sample(): Promise<{ root: string; scan: ContextScan }> {
    const root = tree(tempDir(), {
      'run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'src/main.ts': 'console.log("héllo")\n',
      'src/secret.key': { content: 'k', mode: 0o600 },
      'debug.log': 'ignored',
      'node_modules/x/index.js': 'ignored',
      'empty/.keep': '',
    });
    fs.chmodSync(path.join(root, 'src'), 0o750);
    fs.symlinkSync('src/main.ts', path.join(root, 'main-link'));
    return { root, scan: await scanContext(root, ['*.log', 'node_modules']) };
  }

  it('streams the generated Dockerfile first, then the context in scan order, then a .dockerignore that drops the Dockerfile', async () => {
    const { scan } = await sample();
    const entries = await untar(packContext(scan, DOCKERFILE.content));
    expect(entries.map((e) => e.name)).toEqual([DOCKERFILE.name, ...scan.entries.map((e) => e.path), IGNORE.name]);
    expect(entries[0]).toMatchObject({ type: 'file', mode: 0o644, body: DOCKERFILE.content, size: Buffer.byteLength(DOCKERFILE.content) });
    expect(entries.at(-1)).toMatchObject({ body: IGNORE.content });
  });

  it("keeps the user's .dockerignore, with the generated Dockerfile added to it", async () => {
    const root = tree(tempDir(), { '.dockerignore': '*.log', 'a.txt': 'a' });
    const entries = await untar(packContext(await scanContext(root, ['*.log']), DOCKERFILE.content));
    expect(entries.map((e) => [e.name, e.body])).toEqual([
      [DOCKERFILE.name, DOCKERFILE.content],
      ['.dockerignore', `*.log\n${SENT_DOCKERFILE}\n`],
      ['a.txt', 'a'],
    ]);
  });

  it('has each file with its content and mode, folders, and symlinks as symlinks; nothing ignored', async () => {
    const { scan } = await sample();
    const byName = Object.fromEntries((await untar(packContext(scan, DOCKERFILE.content))).map((e) => [e.name, e]));
    expect(byName['run.sh']).toMatchObject({ type: 'file', mode: 0o755, body: '#!/bin/sh\necho hi\n' });
    expect(byName['src/main.ts']).toMatchObject({ type: 'file', mode: 0o644, body: 'console.log("héllo")\n', size: Buffer.byteLength('console.log("héllo")\n') });
    expect(byName['src/secret.key']).toMatchObject({ type: 'file', mode: 0o600, body: 'k' });
    expect(byName['src']).toMatchObject({ type: 'directory', mode: 0o750 });
    expect(byName['empty']).toMatchObject({ type: 'directory' });
    expect(byName['empty/.keep']).toMatchObject({ type: 'file', body: '' });
    expect(byName['main-link']).toMatchObject({ type: 'symlink', linkname: 'src/main.ts', body: '' });
    expect(Object.keys(byName).filter((name) => name.endsWith('.log') || name.startsWith('node_modules'))).toEqual([]);
  });

  it('gives file entries the scanned mtimes and root ownership', async () => {
    const { scan } = await sample();
    const headers: Array<{ name: string; uid: number; gid: number; mtime: Date }> = [];
    const ex = extract();
    ex.on('entry', (header, body, next) => {
      headers.push({ name: header.name, uid: header.uid, gid: header.gid, mtime: header.mtime });
      body.on('end', () => next());
      body.resume();
    });
    const done = new Promise<void>((resolve, reject) => {
      ex.on('finish', () => resolve());
      ex.on('error', reject);
    });
    packContext(scan, DOCKERFILE.content).pipe(ex as unknown as NodeJS.WritableStream);
    await done;
    expect(headers.every((h) => h.uid === 0 && h.gid === 0)).toBe(true);
    const run = headers.find((h) => h.name === 'run.sh');
    expect(Math.floor((run?.mtime.getTime() ?? 0) / 1000)).toBe(Math.floor(PAST.getTime() / 1000));
  });

  it('is a tar that the tar command lists the same way', async () => {
    const { scan } = await sample();
    const bytes = await tarBytes(packContext(scan, DOCKERFILE.content));
    const listed = spawnSync('tar', ['-tf', '-'], { input: bytes, encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    const names = listed.stdout.trim().split('\n').map((name) => name.replace(/\/$/, ''));
    expect(names).toEqual([DOCKERFILE.name, ...scan.entries.map((e) => e.path), IGNORE.name]);
  });

  it('keeps paths longer than 100 characters intact', async () => {
    const long = `${'a'.repeat(70)}/${'b'.repeat(70)}/${'c'.repeat(90)}.txt`;
    const root = tree(tempDir(), { [long]: 'deep' });
    const entries = await untar(packContext(await scanContext(root, []), DOCKERFILE.content));
    expect(entries.at(-2)).toMatchObject({ name: long, body: 'deep' });
  });

  it('is just the generated files for an empty context (null scan)', async () => {
    const entries = await untar(packContext(null, DOCKERFILE.content));
    expect(entries.map((e) => [e.name, e.body])).toEqual([[DOCKERFILE.name, DOCKERFILE.content], [IGNORE.name, IGNORE.content]]);
  });

  it('ends with an error carrying the reason when the signal is aborted', async () => {
    const { scan } = await sample();
    const controller = new AbortController();
    controller.abort(new Error('build cancelled'));
    await expect(tarBytes(packContext(scan, DOCKERFILE.content, controller.signal))).rejects.toThrow('build cancelled');
  });

  describe('a context file that changes between the scan and the send', () => {
    // Run in a child process: if a stream error escapes as an uncaught exception, it takes the
    // process down, and that must be seen as a failure of this test rather than of the test runner.
    let bundleDir: string;
    beforeAll(async () => {
      bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-ctx-bundle-'));
      await build({
        entryPoints: [path.resolve(import.meta.dirname, '../../core/images/context.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: path.join(bundleDir, 'context.cjs'),
        logLevel: 'silent',
      });
      fs.writeFileSync(
        path.join(bundleDir, 'run.cjs'),
        `const fs = require('node:fs');
const path = require('node:path');
const { scanContext, packContext } = require('./context.cjs');
(async () => {
  const [root, change] = process.argv.slice(2);
  const scan = await scanContext(root, []);
  const file = path.join(root, 'f.txt');
  if (change === 'grow') fs.appendFileSync(file, ' and then some more');
  if (change === 'shrink') fs.writeFileSync(file, 'h');
  if (change === 'delete') fs.rmSync(file);
  const stream = packContext(scan, 'FROM x\\n');
  const outcome = await new Promise((resolve) => {
    stream.on('error', (error) => resolve('error: ' + error.message));
    stream.on('end', () => resolve('end'));
    stream.on('data', () => {});
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(JSON.stringify({ outcome }));
})();
`,
      );
    });
    afterAll(() => fs.rmSync(bundleDir, { recursive: true, force: true }));

    function run(change: string): { status: number | null; outcome: string | null; stderr: string } {
      const root = tree(tempDir(), { 'f.txt': 'hello world' });
      const child = spawnSync(process.execPath, [path.join(bundleDir, 'run.cjs'), root, change], { encoding: 'utf8', timeout: 10_000 });
      let outcome: string | null = null;
      try {
        outcome = (JSON.parse(child.stdout) as { outcome: string }).outcome;
      } catch {
        // The process died before reporting.
      }
      return { status: child.status, outcome, stderr: child.stderr.split('\n').slice(0, 6).join('\n') };
    }

    it('sanity: an unchanged file streams to the end', () => {
      expect(run('none')).toMatchObject({ status: 0, outcome: 'end' });
    });

    it.each(['grow', 'shrink'])('a file that %ss fails the stream with "changed while it was being sent", without crashing the process', (change) => {
      const result = run(change);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.outcome).toMatch(/^error: a context file changed while it was being sent/);
    });

    it('a file that vanishes fails the stream, without crashing the process', () => {
      const result = run('delete');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.outcome).toMatch(/^error: .*(ENOENT|no such file)/);
    });
  });
});
