import fs from 'node:fs';

/**
 * The embedded Dockerfiles, read next to this module: core/assets/ from source (Deno, tests), and
 * dist/ in the bundle, where scripts/build-cli.mjs copies them beside cli.mjs.
 */
export function readAsset(name: 'base.Dockerfile' | 'firewall.Dockerfile' | 'dind.Dockerfile' | 'firewall.pl'): string {
  return fs.readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}
