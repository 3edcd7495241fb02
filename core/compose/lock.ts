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
    const owner = Number(fs.readFileSync(file, 'utf8').trim());
    if (!owner || !alive(owner)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!announced) onWait?.(owner);
    announced = true;
    if (Date.now() > deadline) throw new Error(`another Paddock process (pid ${owner}) has been changing workspace "${workspace}" for too long; try again when it is done`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    return await work();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
