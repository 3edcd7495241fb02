// Bundles the Electron shell: the main process (with core/ and its dependencies) into
// dist/electron/main.cjs, the sandboxed preload into dist/electron/preload.cjs, and copies what
// they read at run time (the embedded Dockerfiles, the icons) next to them.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'dist', 'electron');

/** @returns {import('esbuild').BuildOptions} */
export function mainOptions() {
  return {
    entryPoints: [path.join(root, 'electron', 'main.ts')],
    outfile: path.join(out, 'main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // ssh2 (dockerode's ssh:// transport) loads optional native addons relative to its own files, so
    // it stays a package; electron-builder ships it (and unpacks the addons) from node_modules.
    external: ['electron', 'ssh2', 'cpu-features'],
    // CommonJS has no import.meta: core/assets reads the Dockerfiles copied next to this bundle.
    banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__import_meta_url' },
    sourcemap: 'linked',
    logLevel: 'warning',
  };
}

/** @returns {import('esbuild').BuildOptions} */
export function preloadOptions() {
  return {
    entryPoints: [path.join(root, 'electron', 'preload.ts')],
    outfile: path.join(out, 'preload.cjs'),
    bundle: true,
    // A sandboxed preload can require only `electron`: platform browser makes any Node import a build error.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    minify: true,
    logLevel: 'warning',
  };
}

async function main() {
  await Promise.all([build(mainOptions()), build(preloadOptions())]);
  for (const asset of fs.readdirSync(path.join(root, 'core', 'assets')).filter((name) => name.endsWith('.Dockerfile') || name.endsWith('.pl'))) {
    fs.copyFileSync(path.join(root, 'core', 'assets', asset), path.join(out, asset));
  }
  fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
  for (const icon of fs.readdirSync(path.join(root, 'build')).filter((name) => /^(icon|tray-.*)\.png$/.test(name))) {
    fs.copyFileSync(path.join(root, 'build', icon), path.join(out, 'icons', icon));
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) await main();
