import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workspacePathConflict } from '../../core/config/rules.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The CLI as users run it: the npm bin under Node, and core/cli.ts under Deno. */
export const RUNTIMES = {
  node: [process.execPath, path.join(root, 'bin', 'paddock.mjs')],
  deno: [path.join(root, 'node_modules', '.bin', 'deno'), 'run', '-A', '--quiet', path.join(root, 'core', 'cli.ts')],
} as const;

export type Runtime = keyof typeof RUNTIMES;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where throwaway homes go. Workspace paths under /tmp, /var, /root and the other folders a
 * container owns are refused, so a checkout in /tmp (or CI as root) needs another place.
 */
function homesRoot(): string {
  const candidates = [path.join(root, 'test-results', 'homes'), '/home/paddock-tests', path.join(os.homedir(), 'paddock-tests')];
  for (const candidate of candidates) {
    if (workspacePathConflict(candidate) !== null) continue;
    try {
      fs.mkdirSync(candidate, { recursive: true });
      return candidate;
    } catch {
      // not writable here; try the next place
    }
  }
  throw new Error(`no folder to hold test homes: tried ${candidates.join(', ')}`);
}

/** A throwaway home with its own config path, so no test touches the real user's files. */
export function tempHome(): { home: string; config: string; cleanup(): void } {
  const home = fs.mkdtempSync(path.join(homesRoot(), 'home-'));
  return { home, config: path.join(home, '.config', 'paddock', 'config.toml'), cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

export function runCli(runtime: Runtime, args: string[], { home, env = {} }: { home: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const [command, ...prefix] = RUNTIMES[runtime];
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    // Deno keeps its compile cache here; shared so each test does not recompile the CLI.
    DENO_DIR: path.join(root, 'node_modules', '.cache', 'deno'),
    NO_COLOR: '1',
    ...env,
  };
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { env: childEnv, cwd: home, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
