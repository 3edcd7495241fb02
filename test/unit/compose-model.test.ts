import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../../core/config/resolve.ts';
import type { HostView } from '../../core/config/schema.ts';
import {
  AGENT_PORT, AGENT_SESSION, AGENT_WRAPPER, CACHE_VOLUME_TARGET, DATA_VOLUME_TARGET, PASSWORD_SECRET, projectName, stablePort, workspacePort,
  workspaceModel, type ComposeModel, type ModelInputs, SYSTEM_PATH,
} from '../../core/compose/model.ts';
import { DIND_SOCKET_DIR } from '../../core/sandbox/dind.ts';
import { FIREWALL_READY_FILE } from '../../core/sandbox/firewall.ts';

const HOME = '/home/alice';
const PASSWORD_FILE = '/home/alice/.local/share/paddock/workspaces/web/opencode-password';

/** A fake host: only the listed paths exist; env files are read from `files`. */
function fakeHost(files: Record<string, string> = {}): HostView {
  return {
    home: HOME,
    exists: (file) => file in files,
    isFile: (file) => file in files,
    readText: (file) => {
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT: ${file}`);
      return text;
    },
  };
}

function workspace(body: string, options: { name?: string; defaults?: string; files?: Record<string, string> } = {}): ResolvedWorkspace {
  const name = options.name ?? 'web';
  const host = fakeHost({ '/home/alice/proj': '', ...options.files });
  const text = `${options.defaults ? `[defaults]\n${options.defaults}\n` : ''}[workspaces.${name}]\n${body.includes('paths =') ? '' : 'paths = ["/home/alice/proj"]\n'}${body}\n`;
  const { config } = validateConfigText(text, '/home/alice/.config/paddock/config.toml', host);
  return resolveWorkspace(config, name, { home: HOME, readText: host.readText });
}

function inputs(overrides: Partial<ModelInputs> & { existing?: string[] } = {}): ModelInputs {
  const existing = new Set(overrides.existing ?? []);
  return {
    agentImage: 'paddock-web:latest',
    firewallImage: 'paddock-firewall:latest',
    dindImage: 'paddock-dind:latest',
    hostPort: stablePort('web'),
    passwordFile: PASSWORD_FILE,
    exists: (file) => existing.has(file),
    home: HOME,
    env: {},
    ...overrides,
  };
}

function envOf(model: ComposeModel): Record<string, string> {
  return Object.fromEntries(model.services.agent.env);
}

function bindAt(model: ComposeModel, target: string) {
  return model.services.agent.binds.find((bind) => bind.target === target);
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('workspacePort', () => {
  it('is the workspace\'s own port when it sets one, else the one derived from its name', () => {
    expect(workspacePort({ name: 'web', port: 43210 })).toBe(43210);
    expect(workspacePort({ name: 'web', port: null })).toBe(stablePort('web'));
  });
});

describe('projectName and stablePort', () => {
  it('prefixes the project with paddock-', () => {
    expect(projectName('web')).toBe('paddock-web');
  });

  it('is deterministic and within 24000-31999, below every system\'s ephemeral ports', () => {
    for (let i = 0; i < 3000; i++) {
      const name = `ws-${i}`;
      const port = stablePort(name);
      expect(Number.isInteger(port)).toBe(true);
      expect(port).toBeGreaterThanOrEqual(24000);
      expect(port).toBeLessThanOrEqual(31999);
      expect(stablePort(name)).toBe(port);
    }
  });

  it('usually gives different names different ports', () => {
    const names = Array.from({ length: 100 }, (_, i) => `project-${i}`);
    expect(new Set(names.map(stablePort)).size).toBeGreaterThanOrEqual(97);
    expect(stablePort('web')).not.toBe(stablePort('api'));
    expect(stablePort('web')).not.toBe(stablePort('web2'));
    expect(stablePort('a')).not.toBe(stablePort('b'));
  });

  it('spreads over the range', () => {
    const ports = Array.from({ length: 2000 }, (_, i) => stablePort(`w${i}`));
    expect(Math.min(...ports)).toBeLessThan(24500);
    expect(Math.max(...ports)).toBeGreaterThan(31500);
  });
});

describe('workspaceModel services', () => {
  it('names the project, network and volumes after the workspace', () => {
    const model = workspaceModel(workspace('networks = ["shared-net"]'), inputs());
    expect(model.project).toBe('paddock-web');
    expect(model.workspace).toBe('web');
    expect(model.network).toBe('paddock-web_default');
    expect(model.externalNetworks).toEqual(['shared-net']);
    expect(model.volumes).toEqual({ data: 'paddock-web_data', cache: 'paddock-web_cache', docker: null, 'docker-socket': null });
    expect(model.services.agent.volumes).toEqual([
      { volume: 'paddock-web_data', target: DATA_VOLUME_TARGET },
      { volume: 'paddock-web_cache', target: CACHE_VOLUME_TARGET },
    ]);
  });

  it('runs the agent as 1000:1000 with no added capabilities, and the firewall with NET_ADMIN only', () => {
    const model = workspaceModel(workspace(''), inputs());
    expect(model.services.agent.user).toBe('1000:1000');
    expect(model.services.agent.capAdd).toEqual([]);
    expect(model.services.agent.image).toBe('paddock-web:latest');
    expect(model.services.firewall.capAdd).toEqual(['NET_ADMIN']);
    expect(model.services.firewall.image).toBe('paddock-firewall:latest');
    expect(model.services.firewall.binds).toEqual([]);
    expect(model.services.firewall.volumes).toEqual([]);
    expect(model.services.firewall.secrets).toEqual([]);
    expect(model.services.firewall.env).toEqual([]);
  });

  it('keeps the allowlist out of the firewall\'s command, so steering it never recreates the firewall', () => {
    const open = workspaceModel(workspace(''), inputs());
    const allowlist = workspaceModel(workspace('allowed_hosts = ["example.com", "*.wild.example.org"]\nallowed_networks = ["10.1.0.0/16"]\negress = "allowlist"\nallow_presets = ["npm"]'), inputs());
    expect(allowlist.services.firewall.command).toEqual(open.services.firewall.command);
    expect(allowlist.services.firewall.command.slice(0, 2)).toEqual(['/usr/bin/perl', '-e']);
    expect(allowlist.services.firewall.healthcheck?.test).toEqual(['CMD', 'test', '-f', FIREWALL_READY_FILE]);
  });

  it('binds the workspace paths at the same path, read-write, and starts in the first', () => {
    const ws = workspace('paths = ["/home/alice/proj", "/home/alice/lib"]', { files: { '/home/alice/lib': '' } });
    const model = workspaceModel(ws, inputs());
    expect(bindAt(model, '/home/alice/proj')).toEqual({ source: '/home/alice/proj', target: '/home/alice/proj', readOnly: false });
    expect(bindAt(model, '/home/alice/lib')).toEqual({ source: '/home/alice/lib', target: '/home/alice/lib', readOnly: false });
    expect(model.services.agent.workdir).toBe('/home/alice/proj');
  });

  it('turns the resources into engine units', () => {
    const model = workspaceModel(workspace('cpu = 1.5\nmemory = "512m"'), inputs());
    expect(model.services.agent.nanoCpus).toBe(1_500_000_000);
    expect(model.services.agent.memoryBytes).toBe(512 * 1024 * 1024);
    const defaults = workspaceModel(workspace(''), inputs());
    expect(defaults.services.agent.nanoCpus).toBe(2_000_000_000);
    expect(defaults.services.agent.memoryBytes).toBe(4 * 1024 ** 3);
    expect(defaults.services.agent.pidsLimit).toBeGreaterThan(0);
  });
});

describe('workspaceModel agent program and health', () => {
  it('runs OpenCode\'s server outside tmux, with a pure-sh check that port 4096 listens', () => {
    const model = workspaceModel(workspace(''), inputs());
    const agent = model.services.agent;
    expect(agent.command).toEqual(['/bin/sh', '-c', AGENT_WRAPPER, 'paddock-agent', 'opencode', 'serve', '--hostname', '0.0.0.0', '--port', String(AGENT_PORT)]);
    expect(envOf(model).PADDOCK_IN_TMUX).toBe('0');
    const test = agent.healthcheck!.test;
    expect(test.slice(0, 3)).toEqual(['CMD', 'sh', '-c']);
    expect(test).toHaveLength(4);
    expect(test[3]).toContain('/proc/net/tcp');
    expect(test[3]).toContain(':1000:0A');
    expect(AGENT_PORT.toString(16)).toBe('1000');
  });

  /**
   * The check reads /proc/net/tcp by absolute path; it is rewritten to a temp file in the script
   * text so the check can run against a canned table. PATH is empty: the check must need nothing
   * but the shell.
   */
  function listening(table: string): number | null {
    const model = workspaceModel(workspace(''), inputs());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-health-'));
    tempDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'tcp'), table);
    const script = model.services.agent.healthcheck!.test[3]!;
    expect(script).toContain('/proc/net/tcp');
    return spawnSync('/bin/sh', ['-c', script.replaceAll('/proc/net/tcp', path.join(dir, 'tcp'))], { env: { PATH: '' } }).status;
  }

  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const row = (sl: number, local: string, remote: string, state: string) =>
    `  ${sl}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0\n`;

  it('health check passes when something listens on 4096', () => {
    expect(listening(HEADER + row(0, '0100007F:0277', '00000000:0000', '0A') + row(1, '00000000:1000', '00000000:0000', '0A'))).toBe(0);
  });

  it('health check fails when 4096 is not listening', () => {
    expect(listening(HEADER)).toBe(1);
    expect(listening(HEADER + row(0, '00000000:1001', '00000000:0000', '0A'))).toBe(1);
    // A connection from or to port 4096 is not a listener.
    expect(listening(HEADER + row(0, '0200120A:1000', '0100120A:D431', '01'))).toBe(1);
    expect(listening(HEADER + row(0, '0200120A:D431', '0100120A:1000', '0A'))).toBe(1);
    expect(listening(HEADER + row(0, '0200120A:D431', '0100120A:1000', '01'))).toBe(1);
  });

  it('health check is valid POSIX sh', () => {
    const model = workspaceModel(workspace(''), inputs());
    expect(spawnSync('/bin/sh', ['-n', '-c', model.services.agent.healthcheck!.test[3]!]).status).toBe(0);
  });

  it.each([
    ['claude', ['claude']],
    ['codex', ['codex']],
    ['gemini', ['gemini']],
    ['shell', ['bash', '-l']],
  ])('runs %s in tmux, checked with tmux has-session', (agent, program) => {
    const model = workspaceModel(workspace(`agent = "${agent}"`), inputs());
    expect(model.services.agent.command).toEqual(['/bin/sh', '-c', AGENT_WRAPPER, 'paddock-agent', ...program]);
    expect(envOf(model).PADDOCK_IN_TMUX).toBe('1');
    expect(model.services.agent.healthcheck!.test).toEqual(['CMD', '/bin/sh', '-c', `PATH=${SYSTEM_PATH} exec tmux has-session -t ${AGENT_SESSION}`]);
    expect(model.services.firewall.ports).toEqual([]);
    expect(model.services.agent.ports).toEqual([]);
    expect(model.secrets.map((secret) => secret.name)).not.toContain(PASSWORD_SECRET);
  });

  it('a command overrides the agent and runs in tmux, even for opencode', () => {
    const model = workspaceModel(workspace('command = ["opencode", "--model", "a b", "$X"]'), inputs());
    expect(model.services.agent.command).toEqual(['/bin/sh', '-c', AGENT_WRAPPER, 'paddock-agent', 'opencode', '--model', 'a b', '$X']);
    expect(envOf(model).PADDOCK_IN_TMUX).toBe('1');
    expect(model.services.agent.healthcheck!.test).toEqual(['CMD', '/bin/sh', '-c', `PATH=${SYSTEM_PATH} exec tmux has-session -t ${AGENT_SESSION}`]);
    // Not OpenCode's server: nothing published, no server password.
    expect(model.services.firewall.ports).toEqual([]);
    expect(model.secrets.map((secret) => secret.name)).not.toContain(PASSWORD_SECRET);
    expect(envOf(model).PADDOCK_ENV_SECRETS).toBe('');
  });

  it('a command from [defaults] applies too', () => {
    const model = workspaceModel(workspace('', { defaults: 'command = ["aider"]' }), inputs());
    expect(model.services.agent.command.slice(4)).toEqual(['aider']);
    expect(envOf(model).PADDOCK_IN_TMUX).toBe('1');
  });
});

describe('workspaceModel ports', () => {
  it('publishes OpenCode\'s port on 127.0.0.1 at the workspace\'s stable port, on the firewall (whose network the agent shares)', () => {
    const model = workspaceModel(workspace(''), inputs());
    expect(model.services.firewall.ports).toEqual([{ host: '127.0.0.1', hostPort: stablePort('web'), containerPort: 4096 }]);
    expect(model.services.agent.ports).toEqual([]);
  });

  it('publishes nothing with expose_port = false', () => {
    const model = workspaceModel(workspace('expose_port = false'), inputs({ hostPort: null }));
    expect(model.services.firewall.ports).toEqual([]);
    expect(model.services.agent.ports).toEqual([]);
    const inherited = workspaceModel(workspace('', { defaults: 'expose_port = false' }), inputs({ hostPort: null }));
    expect(inherited.services.firewall.ports).toEqual([]);
  });

  it('publishes nothing with expose_port = false even when a host port is passed', () => {
    const model = workspaceModel(workspace('expose_port = false'), inputs());
    expect(model.services.firewall.ports).toEqual([]);
  });

  it('publishes nothing without a host port', () => {
    expect(workspaceModel(workspace(''), inputs({ hostPort: null })).services.firewall.ports).toEqual([]);
  });
});

describe('workspaceModel mounts and volumes', () => {
  it('drops the data volume when a mount targets /home/agent/.local/share', () => {
    const model = workspaceModel(workspace('mounts = ["~/agent-data:/home/agent/.local/share"]'), inputs());
    expect(model.volumes.data).toBeNull();
    expect(model.volumes.cache).toBe('paddock-web_cache');
    expect(model.services.agent.volumes).toEqual([{ volume: 'paddock-web_cache', target: CACHE_VOLUME_TARGET }]);
    expect(bindAt(model, DATA_VOLUME_TARGET)).toEqual({ source: '/home/alice/agent-data', target: DATA_VOLUME_TARGET, readOnly: false });
  });

  it('drops the cache volume when a mount targets /home/agent/.cache (written with a trailing slash)', () => {
    const model = workspaceModel(workspace('mounts = ["/home/alice/cache:/home/agent/.cache/:ro"]'), inputs());
    expect(model.volumes.cache).toBeNull();
    expect(model.volumes.data).toBe('paddock-web_data');
    expect(model.services.agent.volumes).toEqual([{ volume: 'paddock-web_data', target: DATA_VOLUME_TARGET }]);
    expect(bindAt(model, CACHE_VOLUME_TARGET)?.readOnly).toBe(true);
  });

  it('keeps the volumes for mounts below them', () => {
    const model = workspaceModel(workspace('mounts = ["~/x:/home/agent/.local/share/opencode", "~/y:/home/agent/.cache/pip"]'), inputs());
    expect(model.volumes).toEqual({ data: 'paddock-web_data', cache: 'paddock-web_cache', docker: null, 'docker-socket': null });
  });

  it('skips built-in mounts whose host folder does not exist, and binds those that do', () => {
    const none = workspaceModel(workspace(''), inputs());
    expect(none.services.agent.binds.map((bind) => bind.target)).toEqual(['/home/alice/proj']);
    const some = workspaceModel(workspace('git_config = false'), inputs({ existing: ['/home/alice/.config/opencode', '/home/alice/.agents'] }));
    expect(bindAt(some, '/home/agent/.agents')).toEqual({ source: '/home/alice/.agents', target: '/home/agent/.agents', readOnly: true });
    expect(bindAt(some, '/home/agent/.opencode')).toBeUndefined();
    expect(bindAt(some, '/home/agent/.claude/transcripts')).toBeUndefined();
  });

  it('gives the workspace its own copy of the OpenCode config, binary folder and transcripts: a volume seeded from the host, never a bind', () => {
    const existing = ['/home/alice/.config/opencode', '/home/alice/.opencode', '/home/alice/.claude/transcripts'];
    const model = workspaceModel(workspace('git_config = false'), inputs({ existing }));
    expect(model.services.agent.binds.map((bind) => bind.target)).toEqual(['/home/alice/proj']);
    const copies = model.services.agent.volumes.filter((volume) => volume.seed);
    expect(copies).toEqual([
      { volume: 'paddock-web_copy-config-opencode', target: '/home/agent/.config/opencode', seed: '/home/alice/.config/opencode' },
      { volume: 'paddock-web_copy-opencode', target: '/home/agent/.opencode', seed: '/home/alice/.opencode' },
      { volume: 'paddock-web_copy-claude-transcripts', target: '/home/agent/.claude/transcripts', seed: '/home/alice/.claude/transcripts' },
    ]);
    expect(model.volumes).toMatchObject({ 'copy-opencode': 'paddock-web_copy-opencode' });
    const removed = workspaceModel(workspace('git_config = false\nmounts = [":/home/agent/.opencode"]'), inputs({ existing }));
    expect(removed.services.agent.volumes.map((volume) => volume.target)).not.toContain('/home/agent/.opencode');
  });

  it('binds user mounts even when their host path does not exist (the engine reports it)', () => {
    const model = workspaceModel(workspace('mounts = ["~/missing:/home/agent/missing:ro"]'), inputs());
    expect(bindAt(model, '/home/agent/missing')).toEqual({ source: '/home/alice/missing', target: '/home/agent/missing', readOnly: true });
  });

  it('a removal entry drops a built-in mount', () => {
    const model = workspaceModel(workspace('mounts = [":/home/agent/.agents"]'), inputs({ existing: ['/home/alice/.agents'] }));
    expect(bindAt(model, '/home/agent/.agents')).toBeUndefined();
  });
});

describe('workspaceModel passthroughs', () => {
  const SOCK = '/tmp/ssh-XXXX/agent.123';

  it('passes the ssh agent socket and known_hosts when ssh_auth_sock is on', () => {
    const model = workspaceModel(workspace('ssh_auth_sock = true'), inputs({ env: { SSH_AUTH_SOCK: SOCK }, existing: [SOCK, '/home/alice/.ssh/known_hosts'] }));
    expect(bindAt(model, '/run/paddock/ssh-agent.sock')).toEqual({ source: SOCK, target: '/run/paddock/ssh-agent.sock', readOnly: false });
    expect(envOf(model).SSH_AUTH_SOCK).toBe('/run/paddock/ssh-agent.sock');
    expect(bindAt(model, '/home/agent/.ssh/known_hosts')).toEqual({ source: '/home/alice/.ssh/known_hosts', target: '/home/agent/.ssh/known_hosts', readOnly: true });
  });

  it('prefers Docker Desktop\'s forwarded socket', () => {
    const desktop = '/run/host-services/ssh-auth.sock';
    const model = workspaceModel(workspace('ssh_auth_sock = true'), inputs({ env: { SSH_AUTH_SOCK: SOCK }, existing: [SOCK, desktop] }));
    expect(bindAt(model, '/run/paddock/ssh-agent.sock')?.source).toBe(desktop);
  });

  it('passes no socket that does not exist, and no variable pointing nowhere', () => {
    const model = workspaceModel(workspace('ssh_auth_sock = true'), inputs({ env: { SSH_AUTH_SOCK: SOCK } }));
    expect(bindAt(model, '/run/paddock/ssh-agent.sock')).toBeUndefined();
    expect(envOf(model).SSH_AUTH_SOCK).toBeUndefined();
    expect(bindAt(model, '/home/agent/.ssh/known_hosts')).toBeUndefined();
  });

  it('passes nothing of ssh when ssh_auth_sock is off (the default)', () => {
    const model = workspaceModel(workspace(''), inputs({ env: { SSH_AUTH_SOCK: SOCK }, existing: [SOCK, '/home/alice/.ssh/known_hosts'] }));
    expect(bindAt(model, '/run/paddock/ssh-agent.sock')).toBeUndefined();
    expect(bindAt(model, '/home/agent/.ssh/known_hosts')).toBeUndefined();
    expect(envOf(model).SSH_AUTH_SOCK).toBeUndefined();
  });

  it('mounts the filtered copy of the git config read-only by default, never the user\'s own file', () => {
    const copy = '/home/alice/.local/share/paddock/workspaces/web/gitconfig';
    const model = workspaceModel(workspace(''), inputs({ existing: ['/home/alice/.gitconfig'], gitConfigCopy: copy }));
    expect(bindAt(model, '/home/agent/.gitconfig')).toEqual({ source: copy, target: '/home/agent/.gitconfig', readOnly: true });
    expect(model.services.agent.binds.map((bind) => bind.source)).not.toContain('/home/alice/.gitconfig');
    expect(bindAt(workspaceModel(workspace(''), inputs({ existing: ['/home/alice/.gitconfig'] })), '/home/agent/.gitconfig')).toBeUndefined();
  });

  it('passes no git config with git_config = false', () => {
    const model = workspaceModel(workspace('git_config = false'), inputs({ gitConfigCopy: '/copy' }));
    expect(bindAt(model, '/home/agent/.gitconfig')).toBeUndefined();
    const inherited = workspaceModel(workspace('', { defaults: 'git_config = false' }), inputs({ gitConfigCopy: '/copy' }));
    expect(bindAt(inherited, '/home/agent/.gitconfig')).toBeUndefined();
  });
});

describe('workspaceModel env and secrets', () => {
  const SECRETS = [
    'env = ["EDITOR=vim", "PRICE=$5"]',
    '[workspaces.web.secrets.env]',
    'API_KEY = { from_env = "HOST_API_KEY" }',
    'GH_TOKEN = { from_file = "~/tokens/gh" }',
    '[workspaces.web.secrets.file]',
    'cert = { from_file = "/home/alice/certs/cert.pem" }',
    'npmrc = { from_env = "HOST_NPMRC" }',
  ].join('\n');

  it('sets PADDOCK, PADDOCK_WORKSPACE and the user env', () => {
    const env = envOf(workspaceModel(workspace(SECRETS), inputs()));
    expect(env.PADDOCK).toBe('1');
    expect(env.PADDOCK_WORKSPACE).toBe('web');
    expect(env.EDITOR).toBe('vim');
    expect(env.PRICE).toBe('$5');
  });

  it('lists only env secrets, and the OpenCode password, in PADDOCK_ENV_SECRETS', () => {
    const model = workspaceModel(workspace(SECRETS), inputs());
    expect(envOf(model).PADDOCK_ENV_SECRETS!.split(' ').sort()).toEqual(['API_KEY', 'GH_TOKEN', PASSWORD_SECRET].sort());
    expect(model.secrets.find((secret) => secret.name === PASSWORD_SECRET)).toEqual({
      name: PASSWORD_SECRET, source: { kind: 'generated', path: PASSWORD_FILE }, asEnv: true,
    });
    expect(model.services.agent.secrets.sort()).toEqual(['API_KEY', 'GH_TOKEN', PASSWORD_SECRET, 'cert', 'npmrc'].sort());
    expect(model.secrets.filter((secret) => !secret.asEnv).map((secret) => secret.name).sort()).toEqual(['cert', 'npmrc']);
    expect(model.secrets.find((secret) => secret.name === 'GH_TOKEN')?.source).toEqual({ kind: 'file', path: '/home/alice/tokens/gh' });
    expect(model.secrets.find((secret) => secret.name === 'npmrc')?.source).toEqual({ kind: 'env', variable: 'HOST_NPMRC' });
  });

  it('has no password secret without a password file, and none for other agents', () => {
    const none = workspaceModel(workspace(''), inputs({ passwordFile: null }));
    expect(none.secrets).toEqual([]);
    expect(envOf(none).PADDOCK_ENV_SECRETS).toBe('');
    const claude = workspaceModel(workspace('agent = "claude"'), inputs());
    expect(claude.secrets).toEqual([]);
    expect(envOf(claude).PADDOCK_ENV_SECRETS).toBe('');
  });

  it('an OpenCode workspace with only a password has exactly that env secret', () => {
    expect(envOf(workspaceModel(workspace(''), inputs())).PADDOCK_ENV_SECRETS).toBe(PASSWORD_SECRET);
  });

  it('puts no secret value anywhere in the model', () => {
    const values = ['sk-live-0123456789abcdef', 'npmrc-token-fedcba9876543210', 'file-secret-should-not-leak'];
    const model = workspaceModel(workspace(SECRETS), inputs({
      env: { HOST_API_KEY: values[0], HOST_NPMRC: values[1], SSH_AUTH_SOCK: '/tmp/sock' },
      existing: ['/tmp/sock'],
    }));
    const text = JSON.stringify(model);
    for (const value of values) expect(text).not.toContain(value);
    // The secrets travel as files in /run/secrets; the container's env has only their names.
    for (const [key] of model.services.agent.env) expect(['API_KEY', 'GH_TOKEN', 'cert', 'npmrc', PASSWORD_SECRET]).not.toContain(key);
  });

  it('keeps the env order: user entries first, Paddock\'s after', () => {
    const keys = workspaceModel(workspace(SECRETS), inputs()).services.agent.env.map(([key]) => key);
    expect(keys.slice(0, 2)).toEqual(['EDITOR', 'PRICE']);
    expect(keys).toEqual(expect.arrayContaining(['PADDOCK', 'PADDOCK_WORKSPACE', 'PADDOCK_IN_TMUX', 'PADDOCK_ENV_SECRETS']));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the Docker sidecar (enable_docker)', () => {
  it('is absent unless asked for, with no socket, volume or DOCKER_HOST for the agent', () => {
    const model = workspaceModel(workspace(''), inputs());
    expect(model.services.dind).toBeNull();
    expect(model.volumes).toMatchObject({ docker: null, 'docker-socket': null });
    expect(envOf(model).DOCKER_HOST).toBeUndefined();
    expect(model.services.agent.volumes.map((volume) => volume.target)).not.toContain(DIND_SOCKET_DIR);
  });

  it('runs rootless dockerd as UID 1000 with only the ID-mapping capabilities, and never NET_ADMIN', () => {
    const dind = workspaceModel(workspace('enable_docker = true'), inputs()).services.dind;
    expect(dind).toMatchObject({ name: 'dind', image: 'paddock-dind:latest', capAdd: ['SETUID', 'SETGID', 'SETFCAP'], devices: ['/dev/net/tun'] });
    const [shell, flag, prelude, , daemon] = dind?.command ?? [];
    expect([shell, flag]).toEqual(['sh', '-c']);
    expect(prelude).toMatch(/chmod 0666 \/dev\/net\/tun\n[^]*exec setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all sh -c "\$1"\n$/);
    expect(daemon).toContain('dockerd-rootless.sh');
    expect(dind?.healthcheck?.test.slice(0, 5)).toEqual(['CMD', 'setpriv', '--reuid=1000', '--regid=1000', '--clear-groups']);
    expect(dind?.capAdd).not.toContain('NET_ADMIN');
    expect(dind?.capAdd).not.toContain('SYS_ADMIN');
    expect(dind?.securityOpt).not.toContain('privileged');
    expect(dind?.command.join(' ')).toContain('dockerd-rootless.sh');
    expect(dind?.binds).toEqual([]);
  });

  it('shares the daemon with the agent through a socket volume, never the host socket', () => {
    const model = workspaceModel(workspace('enable_docker = true'), inputs());
    expect(model.volumes).toMatchObject({ docker: 'paddock-web_docker', 'docker-socket': 'paddock-web_docker-socket' });
    expect(envOf(model).DOCKER_HOST).toBe(`unix://${DIND_SOCKET_DIR}/docker.sock`);
    expect(model.services.agent.volumes).toContainEqual({ volume: 'paddock-web_docker-socket', target: DIND_SOCKET_DIR });
    expect(model.services.dind?.volumes).toContainEqual({ volume: 'paddock-web_docker-socket', target: DIND_SOCKET_DIR });
    const everyBind = [...model.services.agent.binds, ...(model.services.dind?.binds ?? [])].map((bind) => bind.source);
    expect(everyBind.some((source) => source.endsWith('docker.sock'))).toBe(false);
  });

  it('keeps no-new-privileges on the firewall and the agent', () => {
    const model = workspaceModel(workspace('enable_docker = true'), inputs());
    expect(model.services.agent.securityOpt).toEqual(['no-new-privileges:true']);
    expect(model.services.firewall.securityOpt).toEqual(['no-new-privileges:true']);
  });

  it('gives the agent the sidecar\'s docker client only when its image has none', () => {
    expect(AGENT_WRAPPER).toContain(`if [ -x ${DIND_SOCKET_DIR}/bin/docker ] && ! PATH="$agent_path" command -v docker`);
  });
});
