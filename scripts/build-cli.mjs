// Bundles our own TypeScript (not node_modules) into one ESM file so the `paddock` command
// starts without a TypeScript loader. Deno runs core/cli.ts directly and does not need this.
import { build } from 'esbuild';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  entryPoints: [`${root}core/cli.ts`],
  outfile: `${root}dist/cli.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// core/assets/index.ts reads the embedded Dockerfiles next to itself; in the bundle that is dist/.
for (const asset of fs.readdirSync(`${root}core/assets`).filter((name) => name.endsWith('.Dockerfile'))) {
  fs.copyFileSync(`${root}core/assets/${asset}`, `${root}dist/${asset}`);
}
