import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_READY_LINE, AGENT_SESSION, AGENT_WRAPPER, SECRETS_DIR, SYSTEM_PATH } from '../../core/compose/model.ts';
import { WAIT_FOR_FIREWALL } from '../../core/sandbox/firewall.ts';

const tempDirs: string[] = [];

afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-wrapper-test-'));
  tempDirs.push(dir);
  return dir;
}

function realTool(name: string): string {
  for (const candidate of [`/usr/bin/${name}`, `/bin/${name}`]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`no ${name} on this machine`);
}

interface Setup {
  /** Files in the (substituted) /run/secrets. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Extra executables on PATH, as sh bodies; every stub logs its argv to $STUB_LOG. */
  stubs?: Record<string, string>;
}

/**
 * Runs the wrapper as the agent container does (`sh -c WRAPPER paddock-agent <command...>`).
 * The wrapper reads /run/secrets by absolute path, so that path is replaced in the script text by
 * a temp folder before it runs; its own PATH of system folders becomes the stub folder, and its
 * wait for the firewall's resolver (which only a real workspace has; the integration tests start
 * agents that way) goes. PATH holds only `cat`, `env`, `printf` and the stubs, so no real tmux is
 * found by accident.
 */
function runWrapper(command: string[], setup: Setup = {}) {
  const dir = tempDir();
  const secrets = path.join(dir, 'secrets');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(secrets);
  fs.mkdirSync(bin);
  for (const [name, value] of Object.entries(setup.files ?? {})) fs.writeFileSync(path.join(secrets, name), value);
  for (const tool of ['cat', 'env', 'printf']) fs.symlinkSync(realTool(tool), path.join(bin, tool));
  const log = path.join(dir, 'stub.log');
  fs.writeFileSync(log, '');
  for (const [name, body] of Object.entries(setup.stubs ?? {})) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\037' ${name} "$@" >> "$STUB_LOG"\nprintf '\\n' >> "$STUB_LOG"\n${body}\n`, { mode: 0o755 });
  }
  expect(AGENT_WRAPPER).toContain(`${SECRETS_DIR}/`);
  expect(AGENT_WRAPPER).toContain(WAIT_FOR_FIREWALL);
  const script = AGENT_WRAPPER.replaceAll(SECRETS_DIR, secrets).replace(WAIT_FOR_FIREWALL, '').replaceAll(SYSTEM_PATH, bin);
  const result = spawnSync('/bin/sh', ['-c', script, 'paddock-agent', ...command], {
    encoding: 'utf8',
    env: { PATH: bin, STUB_LOG: log, PADDOCK_IN_TMUX: '0', ...setup.env },
  });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\u001f').slice(0, -1));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

/** A command that prints the named variables, NUL-separated, `<unset>` for an unset one. */
function printVars(...names: string[]): string[] {
  return ['/bin/sh', '-c', `for n in ${names.join(' ')}; do eval "if [ -n \\"\\\${$n+x}\\" ]; then printf '%s\\0' \\"\\$$n\\"; else printf '<unset>\\0'; fi"; done`];
}

function vars(stdout: string): string[] {
  return stdout.split('\0').slice(0, -1);
}

describe('AGENT_WRAPPER', () => {
  it('is valid POSIX sh', () => {
    const result = spawnSync('/bin/sh', ['-n', '-c', AGENT_WRAPPER], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exports env secrets from their files, keeping $ and other shell syntax literal', () => {
    const run = runWrapper(printVars('API_KEY', 'TOKEN', 'OTHER'), {
      files: { API_KEY: 'sk-$HOME-`id`-$(id)-\'"\\ end\n', TOKEN: 'multi\nline token', OTHER: 'not listed' },
      env: { PADDOCK_ENV_SECRETS: 'API_KEY TOKEN' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // The value read from the file loses its trailing newline, nothing else.
    expect(vars(run.stdout)).toEqual(['sk-$HOME-`id`-$(id)-\'"\\ end', 'multi\nline token', '<unset>']);
  });

  it('does not pass PADDOCK_ENV_SECRETS on to the agent', () => {
    const run = runWrapper(printVars('PADDOCK_ENV_SECRETS', 'API_KEY'), { files: { API_KEY: 'v' }, env: { PADDOCK_ENV_SECRETS: 'API_KEY' } });
    expect(run.status).toBe(0);
    expect(vars(run.stdout)).toEqual(['<unset>', 'v']);
  });

  it('accepts a value already in the environment (the Compose path), unchanged', () => {
    const run = runWrapper(printVars('TOKEN'), { env: { PADDOCK_ENV_SECRETS: 'TOKEN', TOKEN: 'from-$compose' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(vars(run.stdout)).toEqual(['from-$compose']);
  });

  it('fails, naming the secret, when neither its file nor its variable exists, and runs nothing', () => {
    const run = runWrapper(['/bin/sh', '-c', 'echo agent ran'], { files: { API_KEY: 'v' }, env: { PADDOCK_ENV_SECRETS: 'API_KEY TOKEN' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('secret TOKEN is missing');
    expect(run.stdout).not.toContain('agent ran');
  });

  it('treats an empty variable as missing', () => {
    const run = runWrapper(['/bin/sh', '-c', 'echo agent ran'], { env: { PADDOCK_ENV_SECRETS: 'TOKEN', TOKEN: '' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('secret TOKEN is missing');
    expect(run.stdout).toBe('');
  });

  it('runs with no env secrets at all', () => {
    expect(runWrapper(['/bin/sh', '-c', 'echo ok'], { env: { PADDOCK_ENV_SECRETS: '' } }).stdout).toBe('ok\n');
    expect(runWrapper(['/bin/sh', '-c', 'echo ok']).stdout).toBe('ok\n');
  });

  it('execs the command with its arguments intact', () => {
    const args = ['a b', '$HOME', '*', '', "it's", '"q"', '-n', '$(id)', 'tab\there', 'new\nline'];
    const run = runWrapper([realTool('printf'), '[%s]\\n', ...args]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(args.map((arg) => `[${arg}]\n`).join(''));
  });

  it('replaces itself with the command, so its exit status is the agent\'s', () => {
    expect(runWrapper(['/bin/sh', '-c', 'exit 7']).status).toBe(7);
    // `exec` keeps the pid: $PPID of the command's shell is the test's process, not a wrapper shell.
    const run = runWrapper(['/bin/sh', '-c', 'echo $PPID']);
    expect(Number(run.stdout.trim())).toBe(process.pid);
  });

  it('in tmux mode starts the command in a tmux session with its arguments intact and lasts as long as it', () => {
    const run = runWrapper(['claude', '--model', 'a b', '$X'], {
      env: { PADDOCK_IN_TMUX: '1' },
      stubs: { tmux: 'case "$1" in has-session) exit 1 ;; esac\nexit 0' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.calls[0]).toEqual(['tmux', 'new-session', '-d', '-s', AGENT_SESSION, '-x', '200', '-y', '50', 'claude', '--model', 'a b', '$X']);
    expect(run.calls[1]).toEqual(['tmux', 'has-session', '-t', AGENT_SESSION]);
    // What up waits for, printed once the session exists.
    expect(run.stdout).toBe(`${AGENT_READY_LINE}\n`);
  });

  it('in tmux mode exports the secrets before starting tmux', () => {
    const run = runWrapper(['claude'], {
      files: { API_KEY: 'secret-value' },
      env: { PADDOCK_IN_TMUX: '1', PADDOCK_ENV_SECRETS: 'API_KEY' },
      stubs: { tmux: 'case "$1" in has-session) exit 1 ;; esac\nprintf %s "$API_KEY" > "$STUB_LOG.env"\nexit 0' },
    });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(`${tempDirs.at(-1)}/stub.log.env`, 'utf8')).toBe('secret-value');
  });

  it('in tmux mode explains that the image needs tmux when it has none', () => {
    const run = runWrapper(['claude'], { env: { PADDOCK_IN_TMUX: '1' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('tmux');
  });
});
