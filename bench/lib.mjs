// What the benchmarks share: running and timing child processes against the engine, and printing
// medians. Machines are noisy, so each bench runs its contenders interleaved and prints ratios.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = path.join(ROOT, 'bin', 'paddock.mjs');
export const BASE = process.env.PADDOCK_TEST_BASE_IMAGE || 'paddock-test/debian:bookworm';
const MAX_BUFFER = 256 * 1024 * 1024;

/** A bench that cannot run (as opposed to one whose figures miss a target). */
export class BenchError extends Error {}

/** The environment every child gets; a bench points HOME and the caches at a throwaway folder. */
export const children = { env: { ...process.env } };

function failure(command, args, result) {
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
  return new BenchError(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}:\n${tail}`);
}

export function run(command, args, { env = {}, allowFailure = false } = {}) {
  const result = spawnSync(command, args, { env: { ...children.env, ...env }, encoding: 'utf8', maxBuffer: MAX_BUFFER });
  if (result.error) throw new BenchError(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0 && !allowFailure) throw failure(command, args, result);
  return result;
}

/** Runs a child and times it from spawn to exit (process start included). */
export function timed(command, args, options) {
  const startedAt = Date.now();
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: { ...children.env, ...(options?.env ?? {}) }, encoding: 'utf8', maxBuffer: MAX_BUFFER });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.error) throw new BenchError(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw failure(command, args, result);
  return { seconds, startedAt, stdout: result.stdout, stderr: result.stderr };
}

export const docker = (args, options) => run('docker', args, options);

export function imageId(reference) {
  const result = docker(['image', 'inspect', '--format', '{{.Id}}', reference], { allowFailure: true });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Paddock's `--json` output, one event per line. */
export function parseEvents(stdout) {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
export const secs = (value) => (value < 1 ? value.toFixed(2) : value.toFixed(1));
export const ms = (value) => `${Math.round(value * 1000)}`;

export function table(title, rows, unit = 's') {
  const fmt = unit === 'ms' ? ms : secs;
  const lines = [`${title}`];
  const width = Math.max(...rows.map((row) => row.name.length));
  for (const row of rows) {
    lines.push(`  ${row.name.padEnd(width)}  median ${fmt(median(row.times)).padStart(6)} ${unit}   runs ${row.times.map((t) => fmt(t)).join(' ')}`);
  }
  return lines.join('\n');
}

/** spawnSync holds signals back; a short pause lets a pending Ctrl-C in between two runs. */
export const letSignalsIn = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * Points every child at a throwaway HOME and XDG folders under `temp`; they keep talking to the
 * user's engine (DOCKER_HOST, the docker context).
 */
export function isolateChildren(temp) {
  const home = path.join(temp, 'home');
  fs.mkdirSync(home, { recursive: true });
  children.env = {
    ...process.env,
    HOME: home,
    XDG_CACHE_HOME: path.join(temp, 'cache'),
    XDG_CONFIG_HOME: path.join(temp, 'config'),
    XDG_DATA_HOME: path.join(temp, 'data'),
    DOCKER_CONFIG: process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'),
    NO_COLOR: '1',
  };
  delete children.env.PADDOCK_CONFIG;
  return { home, cacheHome: children.env.XDG_CACHE_HOME };
}

/** A folder for a bench's workspace paths: those under /tmp, /var, /root, … are refused. */
export function projectFolder(prefix) {
  fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  return fs.mkdtempSync(path.join(ROOT, 'test-results', prefix));
}

/** Runs a bench's main, cleans up whatever happens, and exits non-zero only when it could not run. */
export async function runBench(name, main, cleanup) {
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    process.stderr.write(`\n${name} could not run: ${error instanceof BenchError ? error.message : error.stack}\n`);
    exitCode = 1;
  } finally {
    await cleanup();
  }
  process.exitCode = exitCode;
}
