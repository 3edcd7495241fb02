import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { parseEnvFile } from '../../core/config/envfile.ts';
import { ConfigError } from '../../core/config/errors.ts';
import { loadConfig, validateConfigText } from '../../core/config/load.ts';
import { parseMount, type MountSpec } from '../../core/config/mounts.ts';
import {
  BUILTIN_COPIES, BUILTIN_MOUNTS, mergeEnv, mergeMounts, mergeSecrets, resolveWorkspace, workspaceForPath, type ResolveOptions,
} from '../../core/config/resolve.ts';
import type { HostView, PaddockConfig } from '../../core/config/schema.ts';
import { DEFAULT_CONFIG_TEXT } from '../../core/config/template.ts';

const HOME = '/home/alice';

function fakeHost(files: Record<string, string> = {}): HostView & { reads: string[] } {
  const reads: string[] = [];
  return {
    home: HOME,
    reads,
    exists: (file) => file in files,
    isFile: (file) => file in files,
    readText: (file) => {
      reads.push(file);
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${file}'`);
      return text;
    },
  };
}

/** A validated config, as resolveWorkspace expects. */
function config(text: string, host: HostView = fakeHost()): PaddockConfig {
  return validateConfigText(text, '/home/alice/.config/paddock/config.toml', host).config;
}

function resolve(text: string, name = 'web', host: HostView & { reads?: string[] } = fakeHost()) {
  const parsed = config(text, host);
  host.reads?.splice(0);
  const options: ResolveOptions = { home: HOME, readText: (file) => host.readText(file) };
  return resolveWorkspace(parsed, name, options);
}

function mounts(...specs: string[]): MountSpec[] {
  return specs.map((spec) => {
    const parsed = parseMount(spec, HOME);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.mount;
  });
}

describe('mergeEnv', () => {
  it('lets the last layer win for a key', () => {
    expect(mergeEnv([[['A', '1']], [['A', '2']], [['A', '3']]])).toEqual([['A', '3']]);
  });

  it('keeps the order in which keys first appear', () => {
    const merged = mergeEnv([
      [['B', 'defaults'], ['A', 'defaults']],
      [['C', 'file'], ['B', 'file']],
      [['A', 'workspace']],
    ]);
    expect(merged).toEqual([['B', 'file'], ['A', 'workspace'], ['C', 'file']]);
  });

  it('lets a later entry of the same layer win', () => {
    expect(mergeEnv([[['A', '1'], ['A', '2']]])).toEqual([['A', '2']]);
  });

  it('returns nothing for no layers', () => {
    expect(mergeEnv([])).toEqual([]);
    expect(mergeEnv([[], []])).toEqual([]);
  });
});

describe('env layering in resolveWorkspace', () => {
  const files = {
    '/home/alice/d1.env': 'B=d1\nC=d1\nD=d1\nE=d1\n',
    '/home/alice/d2.env': 'C=d2\n',
    '/home/alice/w.env': 'D=w\nE=w\n',
  };

  it('applies defaults.env, then defaults.env_file, then workspace env_file, then workspace env', () => {
    const ws = resolve(
      `[defaults]
env = ["A=defaults", "B=defaults", "C=defaults", "D=defaults", "E=defaults"]
env_file = ["~/d1.env", "~/d2.env"]

[workspaces.web]
env_file = ["~/w.env"]
env = ["E=workspace"]
`,
      'web',
      fakeHost(files),
    );
    expect(ws.env).toEqual([
      ['A', 'defaults'],
      ['B', 'd1'],
      ['C', 'd2'],
      ['D', 'w'],
      ['E', 'workspace'],
    ]);
  });

  it('puts keys first set by later layers after the inherited ones', () => {
    const ws = resolve('[defaults]\nenv = ["A=1"]\n[workspaces.web]\nenv_file = ["~/w.env"]\nenv = ["Z=1", "A=2"]\n', 'web', fakeHost(files));
    expect(ws.env.map(([key]) => key)).toEqual(['A', 'D', 'E', 'Z']);
    expect(ws.env[0]).toEqual(['A', '2']);
  });

  it('reads a file listed more than once only once, however its path is written', () => {
    const host = fakeHost(files);
    const ws = resolve(
      '[defaults]\nenv_file = ["~/d1.env"]\n[workspaces.web]\nenv_file = ["/home/alice/d1.env", "~/w.env", "~/d1.env", "/home/alice/./w.env"]\n',
      'web',
      host,
    );
    expect(host.reads.filter((file) => file === '/home/alice/d1.env')).toHaveLength(1);
    expect(host.reads.filter((file) => file === '/home/alice/w.env')).toHaveLength(1);
    expect(Object.fromEntries(ws.env)).toEqual({ B: 'd1', C: 'd1', D: 'w', E: 'w' });
  });

  it('does not apply a workspace env to another workspace', () => {
    const ws = resolve('[workspaces.web]\nenv = ["A=1"]\n[workspaces.api]\nenv = ["B=2"]\n', 'api');
    expect(ws.env).toEqual([['B', '2']]);
  });

  it('keeps = signs and empty values of env entries', () => {
    const ws = resolve('[workspaces.web]\nenv = ["URL=a=b", "EMPTY="]\n');
    expect(ws.env).toEqual([['URL', 'a=b'], ['EMPTY', '']]);
  });
});

describe('mergeMounts', () => {
  it('marks built-in mounts optional and user mounts required', () => {
    const merged = mergeMounts([
      { origin: 'builtin', mounts: mounts('~/.agents:/home/agent/.agents:ro') },
      { origin: 'defaults', mounts: mounts('/srv/a:/a') },
      { origin: 'workspace', mounts: mounts('/srv/b:/b:ro') },
    ]);
    expect(merged).toEqual([
      { host: '/home/alice/.agents', container: '/home/agent/.agents', readOnly: true, origin: 'builtin', optional: true, kind: 'bind' },
      { host: '/srv/a', container: '/a', readOnly: false, origin: 'defaults', optional: false, kind: 'bind' },
      { host: '/srv/b', container: '/b', readOnly: true, origin: 'workspace', optional: false, kind: 'bind' },
    ]);
  });

  it('lets a later layer replace a mount by container path, keeping its first position', () => {
    const merged = mergeMounts([
      { origin: 'builtin', mounts: mounts('/srv/x:/x', '/srv/y:/y') },
      { origin: 'workspace', mounts: mounts('/srv/other:/x/:ro') },
    ]);
    expect(merged.map((mount) => [mount.host, mount.container, mount.origin, mount.optional])).toEqual([
      ['/srv/other', '/x', 'workspace', false],
      ['/srv/y', '/y', 'builtin', true],
    ]);
  });

  it('removes an inherited mount with an empty host', () => {
    const merged = mergeMounts([
      { origin: 'builtin', mounts: mounts('/srv/x:/x', '/srv/y:/y') },
      { origin: 'defaults', mounts: mounts(':/x:ro') },
    ]);
    expect(merged.map((mount) => mount.container)).toEqual(['/y']);
  });

  it('lets a later layer add back a removed mount, at its first position', () => {
    const merged = mergeMounts([
      { origin: 'builtin', mounts: mounts('/srv/x:/x', '/srv/y:/y') },
      { origin: 'defaults', mounts: mounts(':/x') },
      { origin: 'workspace', mounts: mounts('/srv/z:/x') },
    ]);
    expect(merged.map((mount) => [mount.host, mount.container])).toEqual([
      ['/srv/z', '/x'],
      ['/srv/y', '/y'],
    ]);
  });

  it('ignores the removal of a mount nobody added', () => {
    expect(mergeMounts([{ origin: 'workspace', mounts: mounts(':/nothing', '/srv/a:/a') }])).toEqual([
      { host: '/srv/a', container: '/a', readOnly: false, origin: 'workspace', optional: false, kind: 'bind' },
    ]);
  });
});

describe('mounts in resolveWorkspace', () => {
  it('starts from the built-in mounts, ~ expanded and optional: copies of the OpenCode folders and transcripts, a read-only ~/.agents', () => {
    const ws = resolve('[workspaces.web]\n');
    expect(ws.mounts).toEqual([
      { host: '/home/alice/.config/opencode', container: '/home/agent/.config/opencode', readOnly: false, origin: 'builtin', optional: true, kind: 'copy' },
      { host: '/home/alice/.opencode', container: '/home/agent/.opencode', readOnly: false, origin: 'builtin', optional: true, kind: 'copy' },
      { host: '/home/alice/.claude/transcripts', container: '/home/agent/.claude/transcripts', readOnly: false, origin: 'builtin', optional: true, kind: 'copy' },
      { host: '/home/alice/.agents', container: '/home/agent/.agents', readOnly: true, origin: 'builtin', optional: true, kind: 'bind' },
    ]);
    expect(ws.mounts).toHaveLength(BUILTIN_COPIES.length + BUILTIN_MOUNTS.length);
  });

  it('layers defaults then workspace mounts over the built-in ones', () => {
    const ws = resolve(`[defaults]
mounts = ["~/shared/opencode:/home/agent/.config/opencode:ro", ":/home/agent/.agents", "/srv/cache:/cache"]

[workspaces.web]
mounts = [":/home/agent/.opencode", "/srv/fast-cache:/cache:ro", "/srv/data:/data"]
`);
    expect(ws.mounts.map((mount) => [mount.host, mount.container, mount.readOnly, mount.origin])).toEqual([
      ['/home/alice/shared/opencode', '/home/agent/.config/opencode', true, 'defaults'],
      ['/home/alice/.claude/transcripts', '/home/agent/.claude/transcripts', false, 'builtin'],
      ['/srv/fast-cache', '/cache', true, 'workspace'],
      ['/srv/data', '/data', false, 'workspace'],
    ]);
  });
});

describe('mergeSecrets', () => {
  it('maps each source and destination, ~ expanded', () => {
    const merged = mergeSecrets({ env: { TOKEN: { from_env: 'HOST_TOKEN' } }, file: { key: { from_file: '~/keys/key.pem' } } }, undefined, HOME);
    expect(merged).toEqual([
      { name: 'TOKEN', destination: 'env', source: { kind: 'env', variable: 'HOST_TOKEN' }, origin: 'defaults' },
      { name: 'key', destination: 'file', source: { kind: 'file', path: '/home/alice/keys/key.pem' }, origin: 'defaults' },
    ]);
  });

  it('lets a workspace secret replace the defaults secret of that name, even across kinds', () => {
    const merged = mergeSecrets(
      { env: { TOKEN: { from_env: 'DEFAULT_TOKEN' } }, file: { cert: { from_file: '/srv/cert' } } },
      { file: { TOKEN: { from_file: '/srv/token' } }, env: { cert: { from_env: 'CERT' } } },
      HOME,
    );
    expect(merged).toEqual([
      { name: 'TOKEN', destination: 'file', source: { kind: 'file', path: '/srv/token' }, origin: 'workspace' },
      { name: 'cert', destination: 'env', source: { kind: 'env', variable: 'CERT' }, origin: 'workspace' },
    ]);
  });

  it('keeps defaults secrets the workspace does not name', () => {
    const merged = mergeSecrets({ env: { A: { from_env: 'A' } } }, { env: { B: { from_env: 'B' } } }, HOME);
    expect(merged.map((secret) => [secret.name, secret.origin])).toEqual([
      ['A', 'defaults'],
      ['B', 'workspace'],
    ]);
  });

  it('sorts by name, whatever the kind and scope', () => {
    const merged = mergeSecrets(
      { file: { zeta: { from_env: 'Z' } }, env: { MIDDLE: { from_env: 'M' } } },
      { env: { b: { from_env: 'B' } }, file: { A: { from_env: 'A' } } },
      HOME,
    );
    expect(merged.map((secret) => secret.name)).toEqual(['A', 'MIDDLE', 'b', 'zeta']);
  });

  it('returns nothing when neither scope has secrets', () => {
    expect(mergeSecrets(undefined, undefined, HOME)).toEqual([]);
  });

  it('is what resolveWorkspace returns', () => {
    const ws = resolve('[defaults.secrets.env.TOKEN]\nfrom_env = "A"\n[workspaces.web.secrets.file.TOKEN]\nfrom_file = "~/t"\n');
    expect(ws.secrets).toEqual([{ name: 'TOKEN', destination: 'file', source: { kind: 'file', path: '/home/alice/t' }, origin: 'workspace' }]);
  });
});

describe('inheritance in resolveWorkspace', () => {
  it('uses the documented defaults when nothing is set', () => {
    const ws = resolve('[workspaces.web]\n');
    expect(ws).toMatchObject({
      name: 'web',
      paths: [],
      workdir: null,
      image: null,
      defaultsImage: null,
      dockerfile: null,
      buildContext: null,
      base: { dockerfile: null, from: 'ubuntu:24.04', variant: 'full' },
      env: [],
      secrets: [],
      allowedHosts: [],
      allowedNetworks: [],
      sshAuthSock: false,
      gitConfig: true,
      exposePort: true,
      enableDocker: false,
      cpu: 2,
      memory: '4g',
      agent: 'opencode',
      command: null,
      networks: [],
      egress: 'open',
    });
  });

  const scalars = [
    ['ssh_auth_sock', 'sshAuthSock', 'true', true, 'false', false],
    ['git_config', 'gitConfig', 'false', false, 'true', true],
    ['expose_port', 'exposePort', 'false', false, 'true', true],
    ['enable_docker', 'enableDocker', 'true', true, 'false', false],
    ['cpu', 'cpu', '4', 4, '0.5', 0.5],
    ['memory', 'memory', '"8g"', '8g', '"512m"', '512m'],
    ['agent', 'agent', '"claude"', 'claude', '"shell"', 'shell'],
    ['egress', 'egress', '"allowlist"', 'allowlist', '"open"', 'open'],
    ['command', 'command', '["bash", "-l"]', ['bash', '-l'], '["zsh"]', ['zsh']],
  ] as const;

  it.each(scalars)('inherits %s from [defaults]', (key, field, defaultsToml, defaultsValue) => {
    const ws = resolve(`[defaults]\n${key} = ${defaultsToml}\n[workspaces.web]\n`);
    expect(ws[field]).toEqual(defaultsValue);
  });

  it.each(scalars)('lets the workspace %s win over [defaults]', (key, field, defaultsToml, _defaultsValue, workspaceToml, workspaceValue) => {
    const ws = resolve(`[defaults]\n${key} = ${defaultsToml}\n[workspaces.web]\n${key} = ${workspaceToml}\n`);
    expect(ws[field]).toEqual(workspaceValue);
  });

  it.each(scalars)('uses the workspace %s when [defaults] does not set it', (key, field, _d, _dv, workspaceToml, workspaceValue) => {
    const ws = resolve(`[workspaces.web]\n${key} = ${workspaceToml}\n`);
    expect(ws[field]).toEqual(workspaceValue);
  });

  it('keeps the workspace image and the defaults image apart', () => {
    const ws = resolve('[defaults]\nimage = "ubuntu:24.04"\n[workspaces.web]\nimage = "node:22"\n[workspaces.api]\n', 'api');
    expect([ws.image, ws.defaultsImage]).toEqual([null, 'ubuntu:24.04']);
    const web = resolve('[defaults]\nimage = "ubuntu:24.04"\n[workspaces.web]\nimage = "node:22"\n');
    expect([web.image, web.defaultsImage]).toEqual(['node:22', 'ubuntu:24.04']);
  });

  it('reads [base] from, variant and dockerfile, ~ expanded', () => {
    const ws = resolve('[base]\nfrom = "debian:12"\nvariant = "minimal"\ndockerfile = "~/images/base.Dockerfile"\n[workspaces.web]\n');
    expect(ws.base).toEqual({ from: 'debian:12', variant: 'minimal', dockerfile: '/home/alice/images/base.Dockerfile' });
  });

  it('treats an empty [base] dockerfile as the embedded one (spec §1.3)', () => {
    expect(resolve('[base]\ndockerfile = ""\n[workspaces.web]\n').base.dockerfile).toBeNull();
  });

  it('keeps a dockerfile URL as is', () => {
    const ws = resolve('[base]\ndockerfile = "https://example.com/a/../Dockerfile"\n[workspaces.web]\ndockerfile = "HTTP://example.com/x"\n');
    expect(ws.base.dockerfile).toBe('https://example.com/a/../Dockerfile');
    expect(ws.dockerfile).toBe('HTTP://example.com/x');
  });

  it('normalizes the workspace dockerfile and build_context', () => {
    const ws = resolve('[workspaces.web]\ndockerfile = "~/proj/./overlay.Dockerfile"\nbuild_context = "~/proj/"\n');
    expect([ws.dockerfile, ws.buildContext]).toEqual(['/home/alice/proj/overlay.Dockerfile', '/home/alice/proj']);
  });

  it('normalizes paths and starts in the first one', () => {
    const ws = resolve('[workspaces.web]\npaths = ["~/proj/", "/srv/code/../api"]\n');
    expect(ws.paths).toEqual(['/home/alice/proj', '/srv/api']);
    expect(ws.workdir).toBe('/home/alice/proj');
  });

  it('unites allowed_hosts, allowed_networks and networks, duplicates dropped, first order kept', () => {
    const ws = resolve(`[defaults]
allowed_hosts = ["a.example.com", "b.example.com"]
allowed_networks = ["10.0.0.0/8"]
networks = ["shared"]

[workspaces.web]
allowed_hosts = ["c.example.com", "a.example.com"]
allowed_networks = ["10.0.0.0/8", "fd00::/8"]
networks = ["web-net", "shared"]
`);
    expect(ws.allowedHosts).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(ws.allowedNetworks).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(ws.networks).toEqual(['shared', 'web-net']);
  });

  it('refuses a workspace that does not exist', () => {
    expect(() => resolve('[workspaces.web]\n', 'api')).toThrow(/no workspace named "api"/);
  });
});

describe('workspaceForPath', () => {
  const layout = config(`
[workspaces.code]
paths = ["~/code"]

[workspaces.api]
paths = ["~/code/api/"]

[workspaces.beta]
paths = ["/srv/shared"]

[workspaces.alpha]
paths = ["/srv/other", "/srv/shared"]
`);

  it('picks the workspace with the longest matching path, counted in segments', () => {
    expect(workspaceForPath(layout, '/home/alice/code/api/src', HOME)).toBe('api');
    expect(workspaceForPath(layout, '/home/alice/code/web', HOME)).toBe('code');
  });

  it('matches a workspace path itself', () => {
    expect(workspaceForPath(layout, '/home/alice/code/api', HOME)).toBe('api');
    expect(workspaceForPath(layout, '/home/alice/code', HOME)).toBe('code');
  });

  it('matches whole segments only', () => {
    expect(workspaceForPath(layout, '/home/alice/codebase', HOME)).toBe('default');
    expect(workspaceForPath(layout, '/home/alice/code/apiary', HOME)).toBe('code');
  });

  it('breaks a tie by the alphabetically first name, not the order in the file', () => {
    expect(workspaceForPath(layout, '/srv/shared/x', HOME)).toBe('alpha');
  });

  it('falls back to "default" when nothing matches', () => {
    expect(workspaceForPath(layout, '/opt/elsewhere', HOME)).toBe('default');
    expect(workspaceForPath(config(''), '/home/alice/code', HOME)).toBe('default');
  });
});

describe('parseEnvFile (Docker style, jailoc §1.6)', () => {
  it('reads KEY=VALUE lines', () => {
    expect(parseEnvFile('A=1\nB=two\n')).toEqual([['A', '1'], ['B', 'two']]);
  });

  it('skips blank lines and # comment lines, indented or not', () => {
    expect(parseEnvFile('\n# comment\n   \n  # indented comment\nA=1\n')).toEqual([['A', '1']]);
  });

  it('skips lines without =', () => {
    expect(parseEnvFile('JUSTAKEY\nexport\nA=1\n')).toEqual([['A', '1']]);
  });

  it('trims the line and the key', () => {
    expect(parseEnvFile('   A=1   \n\tB =2\n')).toEqual([['A', '1'], ['B', '2']]);
  });

  it('keeps everything after the first =', () => {
    expect(parseEnvFile('URL=postgres://u:p@h/db?a=b\n')).toEqual([['URL', 'postgres://u:p@h/db?a=b']]);
  });

  it('keeps an empty value', () => {
    expect(parseEnvFile('EMPTY=\n')).toEqual([['EMPTY', '']]);
  });

  it('keeps a double-quoted value up to the closing quote and drops the rest of the line', () => {
    expect(parseEnvFile('A="hello # world" trailing text\n')).toEqual([['A', 'hello # world']]);
  });

  it('keeps a single-quoted value up to the closing quote', () => {
    expect(parseEnvFile("A='it is \"fine\"' # comment\n")).toEqual([['A', 'it is "fine"']]);
  });

  it('keeps an empty quoted value', () => {
    expect(parseEnvFile('A=""\nB=\'\'\n')).toEqual([['A', ''], ['B', '']]);
  });

  it('drops only the opening quote of an unterminated quoted value', () => {
    expect(parseEnvFile('A="unterminated # still here\nB=\'x\n')).toEqual([['A', 'unterminated # still here'], ['B', 'x']]);
  });

  it('drops an inline comment that starts with " #" in an unquoted value, then trailing white space', () => {
    expect(parseEnvFile('A=value # comment\nB=value    # comment\n')).toEqual([['A', 'value'], ['B', 'value']]);
  });

  it('keeps a # that does not follow a space', () => {
    expect(parseEnvFile('A=abc#def\nB=#notacomment\n')).toEqual([['A', 'abc#def'], ['B', '#notacomment']]);
  });

  it('does not expand $VAR', () => {
    expect(parseEnvFile('A=$HOME/x\nB="${PATH}"\n')).toEqual([['A', '$HOME/x'], ['B', '${PATH}']]);
  });

  it('reads CRLF line endings', () => {
    expect(parseEnvFile('A=1\r\nB=2\r\n')).toEqual([['A', '1'], ['B', '2']]);
  });

  it('returns every occurrence of a repeated key, in order', () => {
    expect(parseEnvFile('A=1\nA=2\n')).toEqual([['A', '1'], ['A', '2']]);
  });
});

describe('parseMount', () => {
  it('reads host:container with rw as the default mode', () => {
    expect(parseMount('/srv/data:/data', HOME)).toEqual({
      ok: true,
      mount: { host: '/srv/data', container: '/data', readOnly: false, removal: false },
    });
  });

  it('reads ro and rw', () => {
    expect(parseMount('/srv/data:/data:ro', HOME)).toMatchObject({ ok: true, mount: { readOnly: true } });
    expect(parseMount('/srv/data:/data:rw', HOME)).toMatchObject({ ok: true, mount: { readOnly: false } });
  });

  it('expands ~ and normalizes both paths', () => {
    expect(parseMount('~/src/../data/:/home/agent/./data/', HOME)).toEqual({
      ok: true,
      mount: { host: '/home/alice/data', container: '/home/agent/data', readOnly: false, removal: false },
    });
  });

  it('resolves .. in the container path', () => {
    expect(parseMount('/srv/x:/home/agent/../../etc', HOME)).toMatchObject({ ok: true, mount: { container: '/etc' } });
  });

  it('reads an empty host as a removal', () => {
    expect(parseMount(':/home/agent/.opencode', HOME)).toEqual({
      ok: true,
      mount: { host: '', container: '/home/agent/.opencode', readOnly: false, removal: true },
    });
    expect(parseMount(':/x:ro', HOME)).toMatchObject({ ok: true, mount: { removal: true, container: '/x' } });
  });

  it('reads a Windows drive letter as part of the host path', () => {
    expect(parseMount('C:\\Users\\alice\\src:/src:ro', HOME)).toEqual({
      ok: true,
      mount: { host: 'C:\\Users\\alice\\src', container: '/src', readOnly: true, removal: false },
    });
  });

  it('reads a Windows drive letter with forward slashes', () => {
    expect(parseMount('d:/work/app:/app', HOME)).toMatchObject({ ok: true, mount: { host: 'd:\\work\\app', container: '/app', readOnly: false } });
  });

  it.each(['/srv/data', '/a:/b:ro:x', 'C:\\only-host'])('rejects %s as not host:container[:mode]', (spec) => {
    expect(parseMount(spec, HOME)).toMatchObject({ ok: false, message: expect.stringContaining('host:container[:ro|rw]') });
  });

  it('rejects a bad mode', () => {
    expect(parseMount('/a:/b:rx', HOME)).toMatchObject({ ok: false, message: expect.stringContaining('mode must be ro or rw') });
  });

  it('rejects a relative host or container path', () => {
    expect(parseMount('src:/src', HOME)).toMatchObject({ ok: false, message: expect.stringContaining('host path') });
    expect(parseMount('/src:src', HOME)).toMatchObject({ ok: false, message: expect.stringContaining('container path') });
  });
});

describe('loadConfig', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-config-test-'));
    made.push(dir);
    return dir;
  }

  it.skipIf(process.platform === 'win32')('creates the default file with mode 0600 in a 0700 folder', () => {
    const file = path.join(tempDir(), 'nested', 'paddock', 'config.toml');
    const loaded = loadConfig(file, { host: fakeHost() });
    expect(loaded.created).toBe(true);
    expect(loaded.text).toBe(DEFAULT_CONFIG_TEXT);
    expect(fs.readFileSync(file, 'utf8')).toBe(DEFAULT_CONFIG_TEXT);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(Object.keys(loaded.config.workspaces ?? {})).toEqual(['default']);
    expect(loaded.warnings).toEqual([]);
  });

  it('reads the file it created on the next load, without creating it again', () => {
    const file = path.join(tempDir(), 'config.toml');
    loadConfig(file, { host: fakeHost() });
    fs.appendFileSync(file, '\n[workspaces.web]\npaths = []\n');
    const loaded = loadConfig(file, { host: fakeHost() });
    expect(loaded.created).toBe(false);
    expect(Object.keys(loaded.config.workspaces ?? {}).sort()).toEqual(['default', 'web']);
  });

  it('does not create the file when told not to', () => {
    const file = path.join(tempDir(), 'config.toml');
    expect(() => loadConfig(file, { host: fakeHost(), create: false })).toThrow(ConfigError);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('throws a ConfigError naming the file for an invalid file', () => {
    const file = path.join(tempDir(), 'config.toml');
    fs.writeFileSync(file, '[defaults]\ncpu = 0\n');
    let thrown: unknown;
    try {
      loadConfig(file, { host: fakeHost() });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).file).toBe(file);
    expect((thrown as ConfigError).issues).toMatchObject([{ path: 'defaults.cpu', line: 2 }]);
  });
});
