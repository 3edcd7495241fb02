import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tallyVitest } from '../../scripts/test-summary.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/vitest-runs');

/** Runs the real vitest on one fixture file and tallies its report as `npm test` does. */
function run(fixture: string) {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-tally-')), 'report.json');
  const vitest = spawnSync(path.join(root, 'node_modules/.bin/vitest'), ['run', '--root', fixtures, fixture, '--reporter=json', `--outputFile=${report}`], { encoding: 'utf8' });
  return tallyVitest(JSON.parse(fs.readFileSync(report, 'utf8')), vitest.status);
}

describe("npm test's totals", () => {
  it('count passing and skipped tests, and no failure', () => {
    expect(run('passing.fixture')).toEqual({ passed: 1, failed: 0, skipped: 1 });
  });

  it('count a failing test', () => {
    expect(run('failing-test.fixture')).toEqual({ passed: 1, failed: 1, skipped: 0 });
  });

  it('count a suite whose beforeAll threw as a failure, though vitest marks its tests skipped', () => {
    expect(run('failing-hook.fixture')).toEqual({ passed: 1, failed: 1, skipped: 1 });
  });

  it('count an error thrown outside any test as a failure, though every test passed', () => {
    expect(run('unhandled-error.fixture')).toEqual({ passed: 2, failed: 1, skipped: 0 });
  });
});
