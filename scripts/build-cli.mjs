// Bundles the CLI into one minified ESM file so the `paddock` command starts without a TypeScript
// loader and without resolving hundreds of package files at start-up: the pure-JS dependencies
// (zod, yaml, the TOML and Dockerfile parsers, ...) are bundled in, which halves the start-up of
// every command. dockerode stays outside: its SSH stack finds a WebAssembly file by __dirname,
// which a bundle does not have, and it is loaded only when a command needs it (core/docker/lazy.ts).
// Commands that need big libraries (the Dockerfile linter, the API server, the YAML writer) import
// them dynamically, and code splitting keeps those in chunks of their own: a command loads only
// what it uses. Deno runs core/cli.ts directly and does not need this.
import { build } from 'esbuild';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  entryPoints: [`${root}core/cli.ts`],
  outdir: `${root}dist`,
  entryNames: 'cli',
  // Beside cli.mjs, so that core/assets/index.ts finds the Dockerfiles next to whichever file holds it.
  chunkNames: 'cli-[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  external: ['dockerode', 'bufferutil', 'utf-8-validate'],
  // Some bundled CommonJS packages require Node builtins, which an ES module can only do this way.
  banner: { js: "import { createRequire as paddockCreateRequire } from 'node:module'; const require = paddockCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});

for (const stale of fs.readdirSync(`${root}dist`).filter((name) => /^cli-.*\.mjs(\.map)?$/.test(name))) {
  if (!result.metafile.outputs[`dist/${stale.replace(/\.map$/, '')}`]) fs.rmSync(`${root}dist/${stale}`);
}

// core/assets/index.ts reads the embedded Dockerfiles and the firewall program next to itself; in the bundle that is dist/.
for (const asset of fs.readdirSync(`${root}core/assets`).filter((name) => name.endsWith('.Dockerfile') || name.endsWith('.pl'))) {
  fs.copyFileSync(`${root}core/assets/${asset}`, `${root}dist/${asset}`);
}
