// `npm start`: builds the CLI, the renderer and the Electron shell, then opens the desktop app.
// Electron downloads its binary on first use; when it cannot be had (offline) or there is no
// display to open a window on, Paddock says why in one line and serves the same UI to the browser
// instead (`paddock serve`), rather than failing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where electron/install.js gives up when a download hangs instead of failing. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/**
 * Whether Electron could open a window here: Linux needs an X11 or Wayland display; macOS and
 * Windows always have one.
 * @param {NodeJS.Platform} platform
 * @param {NodeJS.ProcessEnv} env
 */
export function hasDisplay(platform, env) {
  return platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * The desktop app when there is a display and Electron's binary; otherwise browser mode, with the
 * reason in one line.
 * @param {{ platform: NodeJS.Platform, env: NodeJS.ProcessEnv, binary: string | null, installError: string | null }} found
 * @returns {{ mode: 'electron', binary: string } | { mode: 'browser', reason: string }}
 */
export function launchPlan({ platform, env, binary, installError }) {
  if (!hasDisplay(platform, env)) return { mode: 'browser', reason: 'there is no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  if (binary) return { mode: 'electron', binary };
  if (installError) return { mode: 'browser', reason: `Electron's binary could not be downloaded (${installError})` };
  return { mode: 'browser', reason: "Electron's binary is not installed" };
}

/** The Electron executable electron/install.js put in place, or null when there is none. */
function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  let name;
  try {
    name = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8');
  } catch {
    return null;
  }
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(dir, 'dist'), name);
  return fs.existsSync(binary) ? binary : null;
}

/** Runs electron/install.js (a download on first use); returns why it failed, in one line, or null. */
function installElectron() {
  console.log("Downloading Electron's binary (first run only)…");
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron', 'install.js')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (result.error) return result.error.message;
  if (result.status === 0) return null;
  const lines = (result.stderr ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  return lines[0] ?? `install.js exited with code ${result.status}`;
}

function step(label, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm start: ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

/** Runs a child with this terminal, passing Ctrl-C and termination on, and exits with its code. */
function runAttached(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  // The terminal sends Ctrl-C to the whole group: the child handles it, this process waits for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main() {
  step('building the CLI', ['scripts/build-cli.mjs']);
  step('building the renderer', ['scripts/build-renderer.mjs']);
  step('building the Electron shell', ['scripts/build-electron.mjs']);

  let binary = electronBinary();
  let installError = null;
  if (!binary && hasDisplay(process.platform, process.env)) {
    installError = installElectron();
    binary = electronBinary();
  }
  const plan = launchPlan({ platform: process.platform, env: process.env, binary, installError });
  if (plan.mode === 'electron') {
    runAttached(plan.binary, [root, ...process.argv.slice(2)]);
    return;
  }
  console.log(`Paddock: ${plan.reason}; opening it in your browser instead (paddock serve).`);
  runAttached(process.execPath, [path.join(root, 'bin', 'paddock.mjs'), 'serve', ...process.argv.slice(2)]);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) main();
