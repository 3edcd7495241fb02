import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withWorkspaceLock } from '../../core/compose/lock.ts';

const tempDirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-lock-test-'));
  tempDirs.push(dir);
  return dir;
}

function lockFile(dataDir: string, workspace: string): string {
  return path.join(dataDir, 'locks', `${workspace}.lock`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pid that belonged to a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(pid).toBeGreaterThan(0);
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

/** A live process of our own, to hold a lock from "another Paddock". */
async function liveProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child as ChildProcess & { pid: number };
}

function holdFor(ms: number, log: string[], name: string) {
  return async () => {
    log.push(`start ${name}`);
    await sleep(ms);
    log.push(`end ${name}`);
    return name;
  };
}

describe('withWorkspaceLock', () => {
  it('returns the work\'s result and removes the lock file afterwards', async () => {
    const dataDir = tempDir();
    const result = await withWorkspaceLock(dataDir, 'web', async () => {
      expect(fs.readFileSync(lockFile(dataDir, 'web'), 'utf8')).toBe(String(process.pid));
      return 42;
    });
    expect(result).toBe(42);
    expect(fs.existsSync(lockFile(dataDir, 'web'))).toBe(false);
  });

  it('creates the lock folder private to the user', async () => {
    const dataDir = tempDir();
    await withWorkspaceLock(dataDir, 'web', async () => {
      expect(fs.statSync(path.join(dataDir, 'locks')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(lockFile(dataDir, 'web')).mode & 0o777).toBe(0o600);
    });
  });

  it('removes the lock file when the work throws, and passes the error on', async () => {
    const dataDir = tempDir();
    const failure = new Error('boom');
    await expect(withWorkspaceLock(dataDir, 'web', async () => {
      throw failure;
    })).rejects.toBe(failure);
    expect(fs.existsSync(lockFile(dataDir, 'web'))).toBe(false);
    // And the workspace can be locked again at once.
    const onWait = vi.fn();
    await expect(withWorkspaceLock(dataDir, 'web', async () => 'again', { onWait })).resolves.toBe('again');
    expect(onWait).not.toHaveBeenCalled();
  });

  it('runs two calls for the same workspace one after the other', async () => {
    const dataDir = tempDir();
    const log: string[] = [];
    const onWait = vi.fn();
    const first = withWorkspaceLock(dataDir, 'web', holdFor(400, log, 'a'));
    const second = withWorkspaceLock(dataDir, 'web', holdFor(50, log, 'b'), { onWait });
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(onWait).toHaveBeenCalledTimes(1);
    expect(onWait).toHaveBeenCalledWith(process.pid);
    expect(fs.existsSync(lockFile(dataDir, 'web'))).toBe(false);
  });

  it('runs three queued calls without overlap', async () => {
    const dataDir = tempDir();
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await sleep(60);
      running--;
    };
    await Promise.all([1, 2, 3].map(() => withWorkspaceLock(dataDir, 'web', work)));
    expect(most).toBe(1);
  });

  it('runs calls for different workspaces in parallel', async () => {
    const dataDir = tempDir();
    const log: string[] = [];
    const onWait = vi.fn();
    await Promise.all([
      withWorkspaceLock(dataDir, 'web', holdFor(300, log, 'web'), { onWait }),
      withWorkspaceLock(dataDir, 'api', holdFor(300, log, 'api'), { onWait }),
    ]);
    expect(log.slice(0, 2).sort()).toEqual(['start api', 'start web']);
    expect(onWait).not.toHaveBeenCalled();
  });

  it('takes over a lock whose owner has exited', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'locks'), { recursive: true });
    fs.writeFileSync(lockFile(dataDir, 'web'), String(deadPid()));
    const onWait = vi.fn();
    const started = Date.now();
    const result = await withWorkspaceLock(dataDir, 'web', async () => fs.readFileSync(lockFile(dataDir, 'web'), 'utf8'), { onWait });
    expect(result).toBe(String(process.pid));
    expect(onWait).not.toHaveBeenCalled();
    // No poll interval (200 ms) was waited.
    expect(Date.now() - started).toBeLessThan(190);
    expect(fs.existsSync(lockFile(dataDir, 'web'))).toBe(false);
  });

  it('waits for a live owner in another process, telling onWait its pid once, then takes the lock when it exits', async () => {
    const dataDir = tempDir();
    const holder = await liveProcess();
    fs.mkdirSync(path.join(dataDir, 'locks'), { recursive: true });
    fs.writeFileSync(lockFile(dataDir, 'web'), `${holder.pid}\n`);
    const onWait = vi.fn();
    let ran = false;
    const locked = withWorkspaceLock(dataDir, 'web', async () => {
      ran = true;
    }, { onWait });
    await sleep(500);
    expect(ran).toBe(false);
    expect(onWait).toHaveBeenCalledTimes(1);
    expect(onWait).toHaveBeenCalledWith(holder.pid);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await locked;
    expect(ran).toBe(true);
    expect(onWait).toHaveBeenCalledTimes(1);
    expect(fs.existsSync(lockFile(dataDir, 'web'))).toBe(false);
  });

  it('gives up after the timeout, naming the owner, and leaves its lock alone', async () => {
    const dataDir = tempDir();
    const holder = await liveProcess();
    fs.mkdirSync(path.join(dataDir, 'locks'), { recursive: true });
    fs.writeFileSync(lockFile(dataDir, 'web'), String(holder.pid));
    const work = vi.fn(async () => undefined);
    await expect(withWorkspaceLock(dataDir, 'web', work, { timeoutMs: 300 })).rejects.toThrow(String(holder.pid));
    expect(work).not.toHaveBeenCalled();
    expect(fs.readFileSync(lockFile(dataDir, 'web'), 'utf8')).toBe(String(holder.pid));
  });

  it('retries when the owner releases the lock between the failed create and the read', async () => {
    const dataDir = tempDir();
    const file = lockFile(dataDir, 'web');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, String(process.pid));
    // Another process holds the lock and releases it right after our exclusive create fails:
    // the file is gone by the time its owner is read.
    const read = fs.readFileSync;
    let released = false;
    vi.spyOn(fs, 'readFileSync').mockImplementation(((target: fs.PathOrFileDescriptor, options?: unknown) => {
      if (target === file && !released) {
        released = true;
        fs.rmSync(file);
      }
      return read(target, options as BufferEncoding);
    }) as typeof fs.readFileSync);
    await expect(withWorkspaceLock(dataDir, 'web', async () => 'ran')).resolves.toBe('ran');
    expect(released).toBe(true);
  });

  it('does not remove a lock that another process took over from the same dead owner', async () => {
    const dataDir = tempDir();
    const file = lockFile(dataDir, 'web');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const dead = String(deadPid());
    fs.writeFileSync(file, dead);
    const other = await liveProcess();
    // We read the dead owner's pid; meanwhile another Paddock, which saw the same stale lock,
    // removed it and created its own.
    const read = fs.readFileSync;
    let tookOver = false;
    vi.spyOn(fs, 'readFileSync').mockImplementation(((target: fs.PathOrFileDescriptor, options?: unknown) => {
      const content = read(target, options as BufferEncoding);
      if (target === file && !tookOver) {
        tookOver = true;
        fs.rmSync(file);
        fs.writeFileSync(file, String(other.pid), { flag: 'wx' });
      }
      return content;
    }) as typeof fs.readFileSync);
    const work = vi.fn(async () => undefined);
    await expect(withWorkspaceLock(dataDir, 'web', work, { timeoutMs: 500 })).rejects.toThrow(String(other.pid));
    expect(tookOver).toBe(true);
    expect(work).not.toHaveBeenCalled();
    expect(read(file, 'utf8')).toBe(String(other.pid));
  });
});
