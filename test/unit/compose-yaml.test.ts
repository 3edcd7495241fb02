import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../../core/config/resolve.ts';
import type { HostView } from '../../core/config/schema.ts';
import { AGENT_WRAPPER, PASSWORD_SECRET, stablePort, workspaceModel, type ComposeModel, type ModelInputs } from '../../core/compose/model.ts';
import { composeYaml } from '../../core/compose/yaml.ts';

const HOME = '/home/alice';
const PASSWORD_FILE = '/home/alice/.local/share/paddock/workspaces/web/opencode-password';

function workspace(body: string, extraPaths: string[] = []): ResolvedWorkspace {
  const files = new Set(['/home/alice/proj', ...extraPaths]);
  const host: HostView = { home: HOME, exists: (file) => files.has(file), isFile: () => false, readText: () => '' };
  const text = `[workspaces.web]\n${body.includes('paths =') ? '' : 'paths = ["/home/alice/proj"]\n'}${body}\n`;
  const { config } = validateConfigText(text, '/home/alice/.config/paddock/config.toml', host);
  return resolveWorkspace(config, 'web', { home: HOME, readText: host.readText });
}

function model(ws: ResolvedWorkspace, overrides: Partial<ModelInputs> = {}): ComposeModel {
  return workspaceModel(ws, {
    agentImage: 'paddock-web:latest',
    firewallImage: 'paddock-firewall:latest',
    dindImage: 'paddock-dind:latest',
    hostPort: stablePort('web'),
    passwordFile: PASSWORD_FILE,
    exists: () => false,
    home: HOME,
    env: {},
    ...overrides,
  });
}

type Doc = {
  name?: unknown;
  services: Record<'firewall' | 'agent' | 'dind', Record<string, any>>;
  networks: Record<string, any>;
  volumes?: Record<string, any>;
  secrets?: Record<string, any>;
};

const VALUES = '/home/alice/.local/share/paddock/workspaces/web/compose-secrets';

/** The files paddock compose writes for secrets taken from host variables. */
function valueFiles(m: ComposeModel) {
  return { files: new Map(m.secrets.filter((secret) => secret.source.kind === 'env').map((secret) => [secret.name, `${VALUES}/${secret.name}`])), folder: VALUES };
}

function doc(m: ComposeModel): Doc {
  return parse(composeYaml(m, valueFiles(m))) as Doc;
}

/** Compose reads `$$` as a literal `$`; what is left must contain no lone `$` (an interpolation). */
function unescape(value: string): string {
  expect(value.replaceAll('$$', '')).not.toContain('$');
  return value.replaceAll('$$', '$');
}

/** Every string in the document, with where it is. */
function strings(value: unknown, at = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${at}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [[`${at}.${key}#key`, key] as [string, string], ...strings(item, `${at}.${key}`)]);
  }
  return [];
}

const SECRETS = [
  'env = ["PRICE=$5 and $HOME", "PLAIN=x"]',
  '[workspaces.web.secrets.env]',
  'API_KEY = { from_env = "HOST_API_KEY" }',
  'GH_TOKEN = { from_file = "~/tokens/gh" }',
  '[workspaces.web.secrets.file]',
  'cert = { from_file = "/home/alice/certs/cert.pem" }',
].join('\n');

describe('composeYaml', () => {
  it('is YAML with a comment naming the project, and no top-level name', () => {
    const text = composeYaml(model(workspace('')));
    expect(text.split('\n')[0]).toMatch(/^# .*-p paddock-web\b/);
    const parsed = doc(model(workspace('')));
    expect(parsed.name).toBeUndefined();
    expect(Object.keys(parsed).sort()).toEqual(['networks', 'secrets', 'services', 'volumes']);
    expect(Object.keys(parsed.services)).toEqual(['firewall', 'agent']);
  });

  it('puts the agent in the firewall\'s network namespace, started once the firewall is healthy', () => {
    const { services } = doc(model(workspace('')));
    expect(services.agent.network_mode).toBe('service:firewall');
    expect(services.agent.depends_on).toEqual({ firewall: { condition: 'service_healthy' } });
    expect(services.agent.networks).toBeUndefined();
    expect(services.agent.ports).toBeUndefined();
  });

  it('joins the firewall to the default network and the external ones', () => {
    const parsed = doc(model(workspace('networks = ["shared-net", "db.net"]')));
    expect(parsed.services.firewall.networks).toEqual(['default', 'shared-net', 'db.net']);
    expect(parsed.networks).toEqual({
      default: { name: 'paddock-web_default' },
      'shared-net': { external: true, name: 'shared-net' },
      'db.net': { external: true, name: 'db.net' },
    });
    expect(doc(model(workspace(''))).services.firewall.networks).toEqual(['default']);
  });

  it('mounts the egress policy file read-only where the firewall reads it, and nothing without one', () => {
    const m = model(workspace(''));
    const withPolicy = parse(composeYaml(m, { ...valueFiles(m), policyFile: '/data/workspaces/web/egress' })) as Doc;
    expect(withPolicy.services.firewall.volumes).toEqual([{ type: 'bind', source: '/data/workspaces/web/egress', target: '/etc/paddock/egress', read_only: true }]);
    expect(doc(m).services.firewall.volumes).toBeUndefined();
  });

  it('publishes OpenCode\'s port on the firewall, on 127.0.0.1 only', () => {
    const { services } = doc(model(workspace('')));
    expect(services.firewall.ports).toEqual([`127.0.0.1:${stablePort('web')}:4096`]);
    expect(doc(model(workspace('expose_port = false'), { hostPort: null })).services.firewall.ports).toBeUndefined();
  });

  it('keeps the sandbox settings: users, capabilities, no-new-privileges, limits', () => {
    const { services } = doc(model(workspace('cpu = 1.5\nmemory = "512m"')));
    expect(services.agent.user).toBe('1000:1000');
    expect(services.agent.cap_drop).toEqual(['ALL']);
    expect(services.agent.cap_add).toBeUndefined();
    expect(services.firewall.cap_drop).toEqual(['ALL']);
    expect(services.firewall.cap_add).toEqual(['NET_ADMIN']);
    for (const svc of [services.agent, services.firewall]) {
      expect(svc.security_opt).toEqual(['no-new-privileges:true']);
      expect(svc.init).toBe(true);
      expect(svc.pids_limit).toBeGreaterThan(0);
    }
    expect(services.agent.cpus).toBe(1.5);
    expect(services.agent.mem_limit).toBe(512 * 1024 * 1024);
    expect(services.agent.memswap_limit).toBe(512 * 1024 * 1024);
    expect(services.agent.labels).toEqual({ 'dev.paddock.workspace': 'web', 'dev.paddock.service': 'agent' });
  });

  it('doubles $ in env values, so Compose keeps them literal', () => {
    const { services } = doc(model(workspace(SECRETS)));
    expect(services.agent.environment.PRICE).toBe('$$5 and $$HOME');
    expect(services.agent.environment.PLAIN).toBe('x');
    expect(services.agent.environment.PADDOCK).toBe('1');
    expect(services.agent.environment.PADDOCK_WORKSPACE).toBe('web');
  });

  it('doubles $ in commands and health checks; undoubled they are the model\'s', () => {
    const m = model(workspace('allowed_hosts = ["example.com"]\negress = "allowlist"'));
    const { services } = doc(m);
    expect(services.firewall.command.map(unescape)).toEqual(m.services.firewall.command);
    expect(services.agent.command.map(unescape)).toEqual(m.services.agent.command);
    expect(services.agent.command.map(unescape)[2]).toBe(AGENT_WRAPPER);
    expect(services.agent.healthcheck.test.map(unescape)).toEqual(m.services.agent.healthcheck!.test);
    expect(services.firewall.healthcheck.test.map(unescape)).toEqual(m.services.firewall.healthcheck!.test);
    expect(services.agent.healthcheck.interval).toBe('2s');
    expect(services.firewall.healthcheck.interval).toBe('2s');
  });

  it('doubles $ in a command given by the user', () => {
    const { services } = doc(model(workspace('command = ["sh", "-c", "echo $HOME ${X:-y}"]')));
    expect(services.agent.command.slice(-3)).toEqual(['sh', '-c', 'echo $$HOME $${X:-y}']);
  });

  it('doubles $ in bind paths and the working folder', () => {
    const { services } = doc(model(workspace('paths = ["/home/alice/$proj"]\nmounts = ["~/a$b:/home/agent/a$b:ro"]', ['/home/alice/$proj'])));
    expect(services.agent.working_dir).toBe('/home/alice/$$proj');
    expect(services.agent.volumes).toEqual(expect.arrayContaining([
      { type: 'bind', source: '/home/alice/$$proj', target: '/home/alice/$$proj', read_only: false },
      { type: 'bind', source: '/home/alice/a$$b', target: '/home/agent/a$$b', read_only: true },
    ]));
  });

  it('leaves no lone $ anywhere', () => {
    const parsed = doc(model(workspace(`${SECRETS.replace('env = [', 'command = ["x", "$Y"]\nenv = [')}`)));
    for (const [where, value] of strings(parsed)) expect(value.replaceAll('$$', ''), where).not.toContain('$');
  });

  it('gives every secret as a Compose secret file for UID 1000 only, never as an environment entry', () => {
    const m = model(workspace(SECRETS));
    const parsed = doc(m);
    expect(parsed.services.agent.environment.API_KEY).toBeUndefined();
    expect(parsed.services.firewall.environment).toBeUndefined();
    expect(parsed.services.agent.environment.PADDOCK_ENV_SECRETS.split(' ').sort()).toEqual(['API_KEY', 'GH_TOKEN', PASSWORD_SECRET].sort());
    expect(parsed.secrets).toEqual({
      API_KEY: { file: `${VALUES}/API_KEY` },
      GH_TOKEN: { file: '/home/alice/tokens/gh' },
      cert: { file: '/home/alice/certs/cert.pem' },
      [PASSWORD_SECRET]: { file: PASSWORD_FILE },
    });
    const mounted = parsed.services.agent.secrets as Array<Record<string, unknown>>;
    expect(mounted.map((entry) => entry.source).sort()).toEqual(['API_KEY', 'GH_TOKEN', PASSWORD_SECRET, 'cert'].sort());
    for (const entry of mounted) {
      expect(entry).toEqual({ source: entry.source, target: entry.source, uid: '1000', gid: '1000', mode: 0o400 });
    }
    expect(parsed.services.firewall.secrets).toBeUndefined();
    expect(composeYaml(m, valueFiles(m)).split('\n')[1]).toBe(`# The secrets taken from host variables (API_KEY) were written as files to ${VALUES}; delete them when you no longer run this file.`);
  });

  it('gives a file secret taken from a host variable as the file written for it', () => {
    const parsed = doc(model(workspace('[workspaces.web.secrets.file]\nnpmrc = { from_env = "HOST_NPMRC" }'), { passwordFile: null }));
    expect(parsed.secrets).toEqual({ npmrc: { file: `${VALUES}/npmrc` } });
    expect((parsed.services.agent.secrets ?? []).map((entry: { source: string }) => entry.source)).toEqual(['npmrc']);
  });

  it('refuses to render a secret taken from a host variable without its file', () => {
    expect(() => composeYaml(model(workspace(SECRETS)))).toThrow(/API_KEY has no file/);
  });

  it('has no secrets section when there are no file secrets', () => {
    const parsed = doc(model(workspace('agent = "claude"')));
    expect(parsed.secrets).toBeUndefined();
    expect(parsed.services.agent.secrets).toBeUndefined();
  });

  it('names the volumes, or leaves out one a mount replaces', () => {
    const parsed = doc(model(workspace('')));
    expect(parsed.volumes).toEqual({ data: { name: 'paddock-web_data' }, cache: { name: 'paddock-web_cache' } });
    expect(parsed.services.agent.volumes).toEqual(expect.arrayContaining([
      { type: 'volume', source: 'data', target: '/home/agent/.local/share' },
      { type: 'volume', source: 'cache', target: '/home/agent/.cache' },
    ]));
    const replaced = doc(model(workspace('mounts = ["~/d:/home/agent/.local/share", "~/c:/home/agent/.cache"]')));
    expect(replaced.volumes).toBeUndefined();
    expect(replaced.services.agent.volumes.every((volume: { type: string }) => volume.type === 'bind')).toBe(true);
  });

  it('contains no secret value', () => {
    const values = { HOST_API_KEY: 'sk-live-0123456789abcdef', HOST_NPMRC: '//registry.npmjs.org/:_authToken=npm_abcdef123456' };
    const ws = workspace(`${SECRETS}\nnpmrc = { from_env = "HOST_NPMRC" }`);
    const m = model(ws, { env: values });
    const text = composeYaml(m, valueFiles(m));
    for (const value of Object.values(values)) expect(text).not.toContain(value);
    expect(text).not.toContain('abcdef');
  });

  it('adds the Docker sidecar in the firewall\'s namespace, and starts the agent once it is healthy', () => {
    const parsed = doc(model(workspace('enable_docker = true')));
    expect(Object.keys(parsed.services)).toEqual(['firewall', 'dind', 'agent']);
    expect(parsed.services.dind).toMatchObject({
      network_mode: 'service:firewall',
      user: '0:0',
      cap_drop: ['ALL'],
      cap_add: ['SETUID', 'SETGID', 'SETFCAP'],
      devices: ['/dev/net/tun:/dev/net/tun'],
      depends_on: { firewall: { condition: 'service_healthy' } },
    });
    expect(parsed.services.dind.privileged).toBeUndefined();
    // Root only until the prelude drops to UID 1000; `$1` reaches the shell as written.
    expect(parsed.services.dind.command[2]).toContain('exec setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all sh -c "$$1"');
    expect(parsed.services.agent.depends_on).toEqual({ firewall: { condition: 'service_healthy' }, dind: { condition: 'service_healthy' } });
    expect(parsed.volumes).toMatchObject({ docker: { name: 'paddock-web_docker' }, 'docker-socket': { name: 'paddock-web_docker-socket' } });
    expect(parsed.services.agent.volumes).toContainEqual({ type: 'volume', source: 'docker-socket', target: '/paddock-docker' });
  });
});
