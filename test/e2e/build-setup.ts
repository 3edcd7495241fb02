import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

function newestSource(folders: string[]): number {
  let newest = 0;
  for (const folder of folders) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

function builtAt(file: string): number {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

function run(what: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/**
 * The end-to-end tests drive what users run: `paddock serve` from the CLI bundle, serving the
 * built renderer. Each is rebuilt here when its sources are newer than the build (npm test has
 * already built both, so then nothing is done).
 */
export default function setup(): void {
  if (builtAt('dist/cli.mjs') < newestSource(['core'])) run('building the CLI bundle', process.execPath, ['scripts/build-cli.mjs']);
  if (builtAt('dist/renderer/index.html') < newestSource(['renderer', 'core/api'])) {
    run('building the renderer', process.execPath, ['scripts/build-renderer.mjs']);
  }
}
