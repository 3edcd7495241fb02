import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUNTIMES, runCli, tempHome, type Runtime } from '../support/cli.ts';

describe.each(Object.keys(RUNTIMES) as Runtime[])('paddock CLI under %s', (runtime) => {
  let sandbox: ReturnType<typeof tempHome>;
  beforeEach(() => {
    sandbox = tempHome();
  });
  afterEach(() => sandbox.cleanup());

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(runtime, args, { home: sandbox.home, env });
  const write = (text: string) => {
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, text);
  };

  it('prints help and version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: paddock <command>/);
    expect(help.stdout).toMatch(/config import-jailoc/);
    expect((await run(['logs', '--help'])).stdout).toMatch(/-f, --follow/);
    const version = await run(['--version']);
    expect(version.stdout).toMatch(/^paddock \d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown command with a suggestion and exit code 2', async () => {
    const result = await run(['doctr']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/did you mean "paddock doctor"/);
  });

  it('takes options before the command, and a value that looks like a command word', async () => {
    write('[workspaces.workspaces]\npaths = []\n');
    const result = await run(['--config', sandbox.config, '--json', 'workspaces']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([{ name: 'workspaces' }]);
    const named = await run(['--config', 'workspaces', 'config', 'path']);
    expect(named.stdout.trim()).toBe(path.join(sandbox.home, 'workspaces'));
  });

  it('rejects an unknown option with exit code 2', async () => {
    const result = await run(['workspaces', '--jsn']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--jsn/);
    expect(result.stderr).toMatch(/did you mean --json/);
  });

  it('finds the config through XDG_CONFIG_HOME, PADDOCK_CONFIG and --config, in that order of strength', async () => {
    const xdg = path.join(sandbox.home, 'xdg');
    expect((await run(['config', 'path'])).stdout.trim()).toBe(path.join(sandbox.home, '.config', 'paddock', 'config.toml'));
    expect((await run(['config', 'path'], { XDG_CONFIG_HOME: xdg })).stdout.trim()).toBe(path.join(xdg, 'paddock', 'config.toml'));
    expect((await run(['config', 'path'], { XDG_CONFIG_HOME: xdg, PADDOCK_CONFIG: '/x/p.toml' })).stdout.trim()).toBe('/x/p.toml');
    const explicit = await run(['config', 'path', '--json', '--config', '/y/c.toml'], { PADDOCK_CONFIG: '/x/p.toml' });
    expect(JSON.parse(explicit.stdout)).toEqual({ file: '/y/c.toml', exists: false });
  });

  it('creates a commented default config on first use, private to the user, and it is valid', async () => {
    const result = await run(['config', 'check', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, file: sandbox.config, errors: [], warnings: [] });
    expect(fs.statSync(sandbox.config).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(sandbox.config)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(sandbox.config, 'utf8')).toMatch(/^# Paddock configuration/);
  });

  it('reports config errors with file, key path, line and column, and exit code 2', async () => {
    write('[defaults]\nmemory = "lots"\n\n[workspaces.web]\npaths = []\nimgae = "node:20"\n');
    const result = await run(['config', 'check', '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.file).toBe(sandbox.config);
    expect(report.errors).toContainEqual(expect.objectContaining({ path: 'defaults.memory', line: 2, column: 10 }));
    expect(report.errors).toContainEqual(expect.objectContaining({ path: 'workspaces.web.imgae', line: 6, column: 1, message: expect.stringMatching(/did you mean "image"/) }));
    const human = await run(['config', 'check']);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain(':2:10: defaults.memory:');
  });

  it('lists workspaces and shows them resolved, never with secret values', async () => {
    const project = path.join(sandbox.home, 'projects', 'web');
    fs.mkdirSync(project, { recursive: true });
    write(
      `[defaults]\nmemory = "2g"\nenv = ["A=1"]\n[defaults.secrets.env.API_TOKEN]\nfrom_env = "HOST_TOKEN"\n\n[workspaces.web]\npaths = ["~/projects/web"]\nagent = "claude"\nenv = ["A=2", "B=3"]\n`,
    );
    const list = await run(['workspaces', '--json'], { HOST_TOKEN: 'super-secret-value' });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([{ name: 'web', paths: [project], agent: 'claude', image: 'embedded (full, from ubuntu:24.04)' }]);
    const show = await run(['config', 'show', 'web', '--json'], { HOST_TOKEN: 'super-secret-value' });
    expect(show.code).toBe(0);
    const [web] = JSON.parse(show.stdout).workspaces;
    expect(web).toMatchObject({ name: 'web', memory: '2g', cpu: 2, env: [['A', '2'], ['B', '3']], workdir: project });
    expect(web.secrets).toEqual([{ name: 'API_TOKEN', destination: 'env', source: { kind: 'env', variable: 'HOST_TOKEN' }, origin: 'defaults' }]);
    expect(show.stdout).not.toContain('super-secret-value');
    const missing = await run(['config', 'show', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no workspace "nope".*workspaces: web/);
  });

  it('imports a jailoc config, keeping comments, and refuses to overwrite a real config without --force', async () => {
    const jailoc = path.join(sandbox.home, '.config', 'jailoc', 'config.toml');
    fs.mkdirSync(path.dirname(jailoc), { recursive: true });
    fs.mkdirSync(path.join(sandbox.home, 'projects', 'app'), { recursive: true });
    fs.writeFileSync(jailoc, '# my jailoc setup\n[workspaces.app]\npaths = ["~/projects/app"]\nmode = "exec"  # jailoc never read this\nmemory = "8g"\n');
    const imported = await run(['config', 'import-jailoc', '--json']);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).notes).toEqual([expect.stringMatching(/removed workspaces\.app\.mode/), expect.stringMatching(/enable_docker = true/)]);
    const text = fs.readFileSync(sandbox.config, 'utf8');
    expect(text).toContain('# my jailoc setup');
    expect(text).not.toContain('mode = "exec"');
    expect((await run(['config', 'check'])).code).toBe(0);
    const again = await run(['config', 'import-jailoc']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --force/);
    expect((await run(['config', 'import-jailoc', '--force'])).code).toBe(0);
    expect(fs.readFileSync(`${sandbox.config}.bak`, 'utf8')).toBe(text);
  });
});
