import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): { pid: number; ageMs: number } | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return { pid, ageMs: Date.now() - fs.statSync(file).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Takes a stale lock out of the way without ever removing a live one: the file is renamed to a
 * private name (only one process can win that), and put back if it turned out to be a fresh lock
 * that another process created in the meantime.
 */
function clearStale(file: string, stalePid: number): void {
  const aside = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const taken = readOwner(aside);
  if (taken && taken.pid !== stalePid) {
    try {
      fs.linkSync(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * One `up`/`down` of a workspace at a time across processes (the CLI and the app): a lock file
 * holding the owner's pid. A lock whose owner is gone is taken over; a live one is waited for.
 */
export async function withWorkspaceLock<T>(dataDir: string, workspace: string, work: () => Promise<T>, { timeoutMs = 120_000, onWait }: { timeoutMs?: number; onWait?: (pid: number) => void } = {}): Promise<T> {
  const file = path.join(dataDir, 'locks', `${workspace}.lock`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (!owner) continue;
    // An empty file is a lock being written right now, unless it has been empty for a while.
    const stale = owner.pid ? !alive(owner.pid) : owner.ageMs > 10_000;
    if (stale) {
      clearStale(file, owner.pid);
      continue;
    }
    if (!announced && owner.pid) onWait?.(owner.pid);
    announced = true;
    if (Date.now() > deadline) throw new Error(`another Paddock process (pid ${owner.pid}) has been changing workspace "${workspace}" for too long; try again when it is done`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    return await work();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
