// Runs every test the project has: the type checks, the Deno check, and the vitest projects (unit,
// integration against the real engine, e2e: the app in Chromium). The last line is "N passed, N
// failed" with the real totals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tallyVitest } from './test-summary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, command, args) {
  console.log(`\n▶ ${name}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = run.status === 0;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${name}`);
  return ok;
}

step('type check (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
step('type check the renderer (DOM, no Node)', bin('tsc'), ['--noEmit', '-p', 'renderer/tsconfig.json']);
step("type check the renderer's tests", bin('tsc'), ['--noEmit', '-p', 'renderer/tsconfig.node.json']);
step('deno check core/cli.ts', bin('deno'), ['check', 'core/cli.ts']);
if (!step('build the CLI bundle', process.execPath, ['scripts/build-cli.mjs'])) {
  console.log('The CLI tests need the bundle; fix the build first.');
}
if (!step('build the renderer (vite)', process.execPath, ['scripts/build-renderer.mjs'])) {
  console.log('The end-to-end tests serve the built renderer; fix the build first.');
}

const report = path.join(results, 'vitest.json');
fs.rmSync(report, { force: true });
console.log('\n▶ vitest (unit, integration, e2e)');
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (fs.existsSync(report)) {
  const counts = tallyVitest(JSON.parse(fs.readFileSync(report, 'utf8')), vitest.status);
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
} else {
  console.log('vitest wrote no report: counting the whole run as one failure.');
  failed++;
}

const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
fs.writeFileSync(path.join(results, 'summary.txt'), `${line}\n`);
console.log(`\n${line}`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
