import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUNTIMES, runCli, tempHome, type Runtime } from '../support/cli.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/projects');

// Needs the bundle: run `node scripts/build-cli.mjs` first (npm test does).
describe.each(Object.keys(RUNTIMES) as Runtime[])('paddock lint and detect under %s', (runtime) => {
  let sandbox: ReturnType<typeof tempHome>;
  beforeEach(() => {
    sandbox = tempHome();
  });
  afterEach(() => sandbox.cleanup());

  const run = (args: string[]) => runCli(runtime, args, { home: sandbox.home });
  const write = (name: string, text: string) => fs.writeFileSync(path.join(sandbox.home, name), text);

  it('passes a clean overlay with exit code 0', async () => {
    write('ok.Dockerfile', 'ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n');
    const result = await run(['lint', 'ok.Dockerfile']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('✓ no problems\n');
  });

  it('prints findings like a compiler and fails on a breaking one', async () => {
    write('bad.Dockerfile', 'FROM debian:bookworm\nENV PATH=/opt/bin\nRUN pip install flask\n');
    const result = await run(['lint', 'bad.Dockerfile']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^bad\.Dockerfile:1:6 breaking overlay\/from-base The final stage builds FROM debian:bookworm/);
    expect(lines[1]).toBe('  fix: Build FROM ${BASE}');
    expect(result.stdout).toMatch(/^bad\.Dockerfile:2:5 breaking overlay\/path-override /m);
    expect(result.stdout).toMatch(/^bad\.Dockerfile:3:5 warning practice\/pip-cache /m);
    expect(lines.at(-1)).toBe('✗ 3 findings: 2 breaking, 1 warning');
  });

  it('passes warnings and notes with exit code 0', async () => {
    write('warn.Dockerfile', 'ARG BASE\nFROM ${BASE}\nRUN npm ci\nUSER agent\n');
    const result = await run(['lint', 'warn.Dockerfile']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('✓ 2 findings: 1 warning, 1 info');
  });

  it('prints {"diagnostics": [...]} with --json, with the same exit code', async () => {
    write('bad.Dockerfile', 'ARG BASE\nFROM ${BASE}\nRUN userdel agent\n');
    const result = await run(['lint', 'bad.Dockerfile', '--json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { diagnostics: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['diagnostics']);
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ rule: 'overlay/agent-user', severity: 'fatal', line: 3, column: 5, endLine: 3, endColumn: 18 })]);
  });

  it('exits 2 with a clear message when the file cannot be read', async () => {
    const missing = await run(['lint', 'nope.Dockerfile']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('paddock lint: cannot read nope.Dockerfile: there is no such file\n');
    fs.mkdirSync(path.join(sandbox.home, 'folder'));
    expect((await run(['lint', 'folder'])).stderr).toMatch(/cannot read folder: it is a folder/);
    expect((await run(['lint'])).code).toBe(2);
  });

  it('detects a stack: the overlay on stdout, the stack on stderr', async () => {
    const result = await run(['detect', path.join(fixtures, 'python')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# Overlay for python, proposed by `paddock detect`: Python 3\.12 \(pip\)\./);
    expect(result.stdout).toContain('ARG BASE\nFROM ${BASE}\n');
    expect(result.stderr).toMatch(/python 3\.12 \(\.python-version\), pip \(requirements\.txt\)/);
    expect(result.stderr).toMatch(/libpq-dev \(requirements\.txt psycopg2==2\.9\.9\)/);
  });

  it('prints the stack and the overlay as JSON with --json', async () => {
    const result = await run(['detect', path.join(fixtures, 'go'), '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { dir: string; languages: Array<{ language: string }>; systemPackages: unknown[]; notes: string[]; overlay: string };
    expect(parsed.dir).toBe(path.join(fixtures, 'go'));
    expect(parsed.languages.map((finding) => finding.language)).toEqual(['go']);
    expect(parsed.overlay).toContain('COPY --from=golang:1.22.3 /usr/local/go /usr/local/go');
  });

  it('detects the current folder by default, and exits 2 for a folder that is not there', async () => {
    write('package.json', '{"engines": {"node": "20"}}');
    const here = await run(['detect', '--json']);
    expect(JSON.parse(here.stdout)).toMatchObject({ dir: sandbox.home, languages: [{ language: 'node', version: { value: '20' } }] });
    const missing = await run(['detect', 'nowhere']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`paddock detect: ${path.join(sandbox.home, 'nowhere')} does not exist\n`);
  });
});
