import { describe, it, expect } from 'vitest';
import { validateConfigText } from '../../core/config/load.ts';
import { ConfigError, type ConfigIssue } from '../../core/config/errors.ts';
import { CONTAINER_INTERNAL_DIRS, RESERVED_ENV_KEYS, forbiddenHostSources } from '../../core/config/rules.ts';
import type { HostView } from '../../core/config/schema.ts';
import { DEFAULT_CONFIG_TEXT } from '../../core/config/template.ts';

const HOME = '/home/alice';
const FILE = '/home/alice/.config/paddock/config.toml';

/** A host backed by an in-memory file list, so no test ever looks at the real home folder. */
function fakeHost(files: Record<string, string> = {}, folders: string[] = []): HostView {
  const fileMap = new Map(Object.entries(files));
  const folderSet = new Set(folders);
  return {
    home: HOME,
    exists: (path) => fileMap.has(path) || folderSet.has(path),
    isFile: (path) => fileMap.has(path),
    readText: (path) => {
      const text = fileMap.get(path);
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
  };
}

const host = fakeHost(
  {
    '/home/alice/agent.env': 'EDITOR=vim\nPAGER=less\n',
    '/home/alice/tokens.env': 'GITHUB_TOKEN=abc\n',
  },
  [HOME, '/home/alice/proj', '/home/alice/api', '/srv/code'],
);

function validate(text: string, view: HostView = host) {
  return validateConfigText(text, FILE, view);
}

/** Warnings of a config that must be valid; a rejection fails the test with every issue listed. */
function expectValid(text: string, view: HostView = host): ConfigIssue[] {
  try {
    return validate(text, view).warnings;
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`expected a valid config, got:\n${error.message}\n--- config ---\n${text}`);
    throw error;
  }
}

/** The issues of a config that must be rejected; each must carry the file, a key path and a place. */
function issuesOf(text: string, view: HostView = host): ConfigIssue[] {
  let thrown: unknown;
  try {
    validate(text, view);
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error(`expected the config to be rejected:\n${text}`);
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.file).toBe(FILE);
  expect(error.issues.length).toBeGreaterThan(0);
  return error.issues;
}

/** Exactly one issue, at `path`, with a message matching `message`, and a line and column. */
function expectIssue(text: string, path: string, message?: string | RegExp, view: HostView = host): ConfigIssue {
  const issues = issuesOf(text, view);
  expect(issues.map((issue) => issue.path)).toEqual([path]);
  const issue = issues[0] as ConfigIssue;
  if (typeof message === 'string') expect(issue.message).toContain(message);
  else if (message) expect(issue.message).toMatch(message);
  expect(issue.line).toEqual(expect.any(Number));
  expect(issue.column).toEqual(expect.any(Number));
  return issue;
}

const workspace = (lines: string) => `[workspaces.web]\n${lines}\n`;
const defaults = (lines: string) => `[defaults]\n${lines}\n`;
const toml = (value: string) => JSON.stringify(value);

describe('the default template', () => {
  it('passes validation with no warnings', () => {
    expect(expectValid(DEFAULT_CONFIG_TEXT)).toEqual([]);
  });

  it('passes validation for a host with nothing in it', () => {
    expect(() => validate(DEFAULT_CONFIG_TEXT, fakeHost())).not.toThrow();
  });
});

describe('workspace names', () => {
  it.each(['web', 'my-app', 'app2', '2024-project'])('accepts %s', (name) => {
    expectValid(`[workspaces.${name}]\npaths = []\n`);
  });

  it('rejects upper case and underscores, suggesting a valid name', () => {
    const issue = expectIssue('[workspaces.My_App]\npaths = []\n', 'workspaces.My_App', 'lowercase letters, digits and -');
    expect(issue.message).toContain('"my-app"');
  });

  it('rejects a quoted name with a dot, quoting it in the key path', () => {
    expectIssue('[workspaces."my.app"]\npaths = []\n', 'workspaces."my.app"', 'is invalid');
  });

  it('rejects a name with a space', () => {
    expectIssue('[workspaces."my app"]\n', 'workspaces."my app"', 'is invalid');
  });
});

describe('image, dockerfile and build_context together', () => {
  it('rejects image with dockerfile', () => {
    expectIssue(workspace('image = "ubuntu:24.04"\ndockerfile = "/srv/Dockerfile"'), 'workspaces.web.image', 'cannot set both "image" and "dockerfile"');
  });

  it('rejects image with build_context', () => {
    expectIssue(workspace('image = "ubuntu:24.04"\nbuild_context = "/srv/code"'), 'workspaces.web.image', 'cannot set both "image" and "build_context"');
  });

  it('accepts dockerfile with build_context', () => {
    expect(expectValid(workspace('dockerfile = "/srv/Dockerfile"\nbuild_context = "/srv/code"'))).toEqual([]);
  });

  it('accepts a workspace image alongside a defaults dockerfile-free config', () => {
    expectValid(`[defaults]\nimage = "ubuntu:24.04"\n${workspace('image = "node:22"')}`);
  });

  it('rejects a relative build_context', () => {
    expectIssue(workspace('dockerfile = "/srv/Dockerfile"\nbuild_context = "code"'), 'workspaces.web.build_context', 'absolute');
  });

  it.each([
    ['~', 'contains ~/.ssh'],
    ['/', 'the whole host file system'],
    ['~/.aws', '~/.aws holds host secrets'],
    ['/etc/ssl', '/etc holds host secrets'],
  ])('rejects build_context = %s, as it would a mount of it', (context, reason) => {
    expectIssue(workspace(`dockerfile = "/srv/Dockerfile"\nbuild_context = ${toml(context)}`), 'workspaces.web.build_context', reason);
  });

  it('accepts a ~/ build_context', () => {
    expectValid(workspace('dockerfile = "/srv/Dockerfile"\nbuild_context = "~/proj"'));
  });
});

describe('image references', () => {
  it.each([
    'ubuntu',
    'ubuntu:24.04',
    'library/ubuntu:24.04',
    'ghcr.io/acme/tools:1.2.3',
    'localhost:5000/team/tool',
    'my-registry.example.com:8443/a/b_c.d__e-f:latest',
    'Registry.Example.com/team/tool:1',
    `ubuntu@sha256:${'a'.repeat(64)}`,
    `ghcr.io/acme/tools:1.2@sha256:${'0123456789abcdef'.repeat(4)}`,
  ])('accepts %s', (image) => {
    expectValid(workspace(`image = ${toml(image)}`));
  });

  it('rejects an upper-case repository name, saying it must be lowercase', () => {
    expectIssue(workspace('image = "Ubuntu:24.04"'), 'workspaces.web.image', 'must be lowercase');
  });

  it('rejects an upper-case first path component that is not a registry host (Docker treats it as a repository)', () => {
    // Docker only reads the first component as a registry when it has a "." or ":" or is "localhost".
    expectIssue(workspace('image = "Alice/tools:1"'), 'workspaces.web.image', 'lowercase');
  });

  it.each(['ubuntu:', 'ubuntu 24.04', '-ubuntu', 'ubuntu:24.04:1', 'ubuntu@sha256:abc', 'a//b'])('rejects %s with an example of a valid reference', (image) => {
    expectIssue(workspace(`image = ${toml(image)}`), 'workspaces.web.image', 'e.g. "ubuntu:24.04"');
  });

  it.each(['', '   '])('rejects the empty or blank image %j', (image) => {
    expectIssue(workspace(`image = ${toml(image)}`), 'workspaces.web.image', 'must not be empty');
  });

  it('checks [defaults] image too', () => {
    expectIssue(defaults('image = "Ubuntu"'), 'defaults.image', 'lowercase');
  });

  it('checks dind_image the same way, in [defaults] and in workspaces', () => {
    expectValid(workspace('dind_image = "ghcr.io/acme/rootless-dind:1"\nenable_docker = true'));
    expectValid(defaults('dind_image = "acme/dind"'));
    expectIssue(workspace('dind_image = "Docker:dind"'), 'workspaces.web.dind_image', 'lowercase');
    expectIssue(defaults('dind_image = "docker:"'), 'defaults.dind_image', 'e.g. "ubuntu:24.04"');
  });

  it('checks [base] from too, and accepts a valid one', () => {
    expectValid('[base]\nfrom = "debian:bookworm-slim"\n');
    expectIssue('[base]\nfrom = "Debian"\n', 'base.from', 'lowercase');
  });
});

describe('dockerfile sources', () => {
  it.each([
    '/srv/docker/Dockerfile',
    '~/docker/Dockerfile',
    '~/.config/paddock/overlays/web.Dockerfile',
    'https://example.com/Dockerfile',
    'http://example.com:8080/docker/Dockerfile',
    'C:\\docker\\Dockerfile',
  ])('accepts %s in [base] and in a workspace', (source) => {
    expectValid(`[base]\ndockerfile = ${toml(source)}\n`);
    expectValid(workspace(`dockerfile = ${toml(source)}`));
  });

  it.each([
    ['~', 'contains ~/.ssh'],
    ['~/Dockerfile', 'contains ~/.ssh'],
    ['~/.ssh/authorized_keys', '~/.ssh holds host secrets'],
    ['/etc/Dockerfile', '/etc holds host secrets'],
    ['~/.local/share/paddock/x.Dockerfile', '~/.local/share/paddock holds host secrets'],
  ])('rejects %s: its folder, the build context, is forbidden as a mount source is', (source, reason) => {
    expectIssue(`[base]\ndockerfile = ${toml(source)}\n`, 'base.dockerfile', reason);
    expectIssue(workspace(`dockerfile = ${toml(source)}`), 'workspaces.web.dockerfile', reason);
  });

  it.each(['Dockerfile', './Dockerfile', 'docker/Dockerfile', '~bob/Dockerfile'])('rejects the relative path %s', (source) => {
    expectIssue(`[base]\ndockerfile = ${toml(source)}\n`, 'base.dockerfile', 'must be an absolute path, a ~/ path or an http(s) URL');
  });

  it.each([
    ['ftp://example.com/Dockerfile', 'ftp'],
    ['file:///srv/Dockerfile', 'file'],
  ])('rejects the URL %s, naming the scheme', (source, scheme) => {
    const issue = expectIssue(workspace(`dockerfile = ${toml(source)}`), 'workspaces.web.dockerfile', 'http or https');
    expect(issue.message).toContain(`"${scheme}"`);
  });

  it('rejects an http URL with no host', () => {
    expectIssue('[base]\ndockerfile = "http://"\n', 'base.dockerfile', 'invalid URL');
  });

  it('accepts an empty [base] dockerfile, which means the embedded Dockerfile (spec §1.3)', () => {
    expectValid('[base]\ndockerfile = ""\n');
  });
});

describe('memory', () => {
  it.each(['4g', '512m', '4G', '512M', '6m', '6144k', '6291456', '1g'])('accepts %s', (memory) => {
    expectValid(defaults(`memory = ${toml(memory)}`));
  });

  it.each(['0', '04g', '4gb', '4.5g', '-1g', '', 'g', '4 g', '4t'])('rejects the malformed size %j, with an example', (memory) => {
    expectIssue(defaults(`memory = ${toml(memory)}`), 'defaults.memory', 'e.g. "4g", "512m"');
  });

  it.each(['5m', '1k', '6143k', '6291455', '1'])('rejects %s as below the 6m minimum', (memory) => {
    expectIssue(workspace(`memory = ${toml(memory)}`), 'workspaces.web.memory', '6m');
  });

  it('rejects a number instead of a string, naming the expected type', () => {
    expectIssue(defaults('memory = 4'), 'defaults.memory', 'must be a string');
  });
});

describe('cpu', () => {
  it.each(['2', '1.5', '0.25', '16'])('accepts %s', (cpu) => {
    expectValid(defaults(`cpu = ${cpu}`));
  });

  it.each(['0', '0.0', '-1', '-0.5'])('rejects %s, asking for a number greater than 0', (cpu) => {
    expectIssue(workspace(`cpu = ${cpu}`), 'workspaces.web.cpu', 'greater than 0');
  });

  it.each(['inf', '+inf', '-inf', 'nan'])('rejects %s, asking for a finite number', (cpu) => {
    expectIssue(defaults(`cpu = ${cpu}`), 'defaults.cpu', 'finite');
  });

  it('rejects a string, naming the expected type', () => {
    expectIssue(defaults('cpu = "2"'), 'defaults.cpu', 'must be a number');
  });
});

describe('env entries', () => {
  it.each(['EDITOR=vim', 'EMPTY=', 'URL=a=b', 'HOME=/home/agent', 'lower_case=1'])('accepts %s', (entry) => {
    expectValid(defaults(`env = [${toml(entry)}]`));
    expectValid(workspace(`env = [${toml(entry)}]`));
  });

  it('rejects an entry without =, asking for KEY=VALUE', () => {
    expectIssue(workspace('env = ["EDITOR"]'), 'workspaces.web.env[0]', 'KEY=VALUE');
  });

  it.each(['=vim', ' =vim'])('rejects the empty key in %j', (entry) => {
    expectIssue(defaults(`env = [${toml(entry)}]`), 'defaults.env[0]', 'key must not be empty');
  });

  it.each([...RESERVED_ENV_KEYS])('rejects the reserved key %s', (key) => {
    const issue = expectIssue(workspace(`env = ["A=1", "${key}=x"]`), 'workspaces.web.env[1]', 'reserved');
    expect(issue.message).toContain(key);
  });

  it('rejects a reserved key in [defaults] too', () => {
    expectIssue(defaults('env = ["DOCKER_HOST=tcp://x:2375"]'), 'defaults.env[0]', 'reserved');
  });

  it('rejects a string instead of a list', () => {
    expectIssue(defaults('env = "EDITOR=vim"'), 'defaults.env', 'must be a list');
  });
});

describe('env files', () => {
  it('accepts an existing file by absolute path and by ~/ path', () => {
    expectValid(defaults('env_file = ["/home/alice/agent.env", "~/tokens.env"]'));
    expectValid(workspace('env_file = ["~/agent.env"]'));
  });

  it('rejects a relative path', () => {
    expectIssue(defaults('env_file = ["agent.env"]'), 'defaults.env_file[0]', 'must be an absolute path');
  });

  it('rejects a file that does not exist', () => {
    expectIssue(workspace('env_file = ["~/agent.env", "~/missing.env"]'), 'workspaces.web.env_file[1]', 'does not exist');
  });

  it('rejects a folder', () => {
    expectIssue(workspace('env_file = ["/srv/code"]'), 'workspaces.web.env_file[0]', 'not a file');
  });

  it.each([...RESERVED_ENV_KEYS])('rejects a file that sets the reserved key %s', (key) => {
    const view = fakeHost({ '/home/alice/bad.env': `# comment\nOK=1\n${key}=x\n` });
    const issue = expectIssue(defaults('env_file = ["~/bad.env"]'), 'defaults.env_file[0]', 'reserved', view);
    expect(issue.message).toContain(key);
    expect(issue.message).toContain('~/bad.env');
  });
});

describe('mounts', () => {
  it.each([
    '/srv/data:/data',
    '/srv/data:/data:ro',
    '/srv/data:/data:rw',
    '~/projects/shared:/home/agent/shared',
    '~/.config/opencode:/home/agent/.config/opencode:ro',
    '~/.claude/skills:/home/agent/.claude/skills:ro',
    '~/.ssh-backup:/backup:ro',
    '/tmp/cache:/cache',
    '/srv/data:/data/../workspace',
  ])('accepts %s', (mount) => {
    expectValid(defaults(`mounts = [${toml(mount)}]`));
    expectValid(workspace(`mounts = [${toml(mount)}]`));
  });

  it.each([
    '~/.config/opencode:/home/agent/.config/opencode:rw',
    '~/.opencode:/home/agent/.opencode',
    '~/.opencode/bin:/opt-bin:rw',
    '~/.claude:/home/agent/.claude',
    '~/.claude/transcripts:/home/agent/.claude/transcripts:rw',
    '~/.gemini:/home/agent/.gemini',
    '~/.codex:/home/agent/.codex:rw',
  ])('refuses the read-write mount %s: the host runs what the agent would write there', (mount) => {
    const issue = expectIssue(workspace(`mounts = [${toml(mount)}]`), 'workspaces.web.mounts[0]', 'is read-write');
    expect(issue.message).toMatch(/holds code and settings the agents on your computer run.*mount it read-only \(:ro\), or leave it out/);
  });

  it.each([':/home/agent/.opencode', ':/home/agent/.agents:ro', ':/data'])('accepts the removal entry %s', (mount) => {
    expectValid(workspace(`mounts = [${toml(mount)}]`));
  });

  it.each(['/srv/data', '/srv/data:/data:ro:extra', ''])('rejects %j as not host:container[:mode]', (mount) => {
    expectIssue(workspace(`mounts = [${toml(mount)}]`), 'workspaces.web.mounts[0]', 'host:container[:ro|rw]');
  });

  it.each(['rx', 'RO', ''])('rejects the mode %j', (mode) => {
    expectIssue(workspace(`mounts = ["/srv/data:/data:${mode}"]`), 'workspaces.web.mounts[0]', 'mode must be ro or rw');
  });

  it.each(['data', './data', '~bob/data'])('rejects the relative host path %s', (hostPath) => {
    expectIssue(defaults(`mounts = ["${hostPath}:/data"]`), 'defaults.mounts[0]', 'host path');
  });

  it.each(['data', './data', 'home/agent/x'])('rejects the relative container path %s', (container) => {
    expectIssue(defaults(`mounts = ["/srv/data:${container}"]`), 'defaults.mounts[0]', 'must be absolute (start with /)');
  });

  describe('container targets', () => {
    const internal = CONTAINER_INTERNAL_DIRS.filter((dir) => dir !== '/home/agent');

    it.each(internal)('rejects %s', (dir) => {
      expectIssue(workspace(`mounts = ["/srv/data:${dir}"]`), 'workspaces.web.mounts[0]', 'is not allowed');
    });

    it.each(internal)('rejects a folder below %s', (dir) => {
      const issue = expectIssue(workspace(`mounts = ["/srv/data:${dir}/sub"]`), 'workspaces.web.mounts[0]', 'is not allowed');
      expect(issue.message).toContain(dir);
    });

    it.each(['/', '/home', '/home/agent', '/home/agent/'])('rejects %s', (target) => {
      expectIssue(workspace(`mounts = ["/srv/data:${target}"]`), 'workspaces.web.mounts[0]', 'is not allowed');
    });

    it.each(['/home/agent/.config', '/home/agent/.config/opencode', '/home/agent/.cache', '/workspace', '/home/other', '/usrdata'])('accepts %s', (target) => {
      expectValid(workspace(`mounts = ["/srv/data:${target}"]`));
    });
  });

  describe('.. in container paths is resolved before checking', () => {
    it('rejects climbing from the agent home into /etc', () => {
      const issue = expectIssue(workspace('mounts = ["/srv/data:/home/agent/../../etc/cron.d"]'), 'workspaces.web.mounts[0]', 'is not allowed');
      expect(issue.message).toContain('/etc');
    });

    it('rejects a path that resolves to the agent home itself', () => {
      expectIssue(workspace('mounts = ["/srv/data:/home/agent/.config/.."]'), 'workspaces.web.mounts[0]', 'is not allowed');
    });

    it('rejects a path that resolves to /', () => {
      expectIssue(workspace('mounts = ["/srv/data:/data/.."]'), 'workspaces.web.mounts[0]', 'is not allowed');
    });
  });

  describe('host sources', () => {
    const forbidden = forbiddenHostSources(HOME).map((entry) => (entry.startsWith(`${HOME}/`) ? `~${entry.slice(HOME.length)}` : entry));

    it('lists the credential folders of the spec', () => {
      expect(forbidden).toEqual(expect.arrayContaining(['~/.ssh', '~/.aws', '~/.gnupg', '~/.docker', '/boot', '/dev', '/etc', '/private', '/proc', '/sys', '/run', '/var']));
    });

    it.each(forbidden)('rejects %s', (source) => {
      expectIssue(workspace(`mounts = ["${source}:/data"]`), 'workspaces.web.mounts[0]', 'forbidden');
    });

    it.each(forbidden)('rejects a folder below %s', (source) => {
      expectIssue(defaults(`mounts = ["${source}/sub:/data:ro"]`), 'defaults.mounts[0]', 'forbidden');
    });

    it.each(['~/.ssh', '~/.aws', '~/.gnupg', '~/.docker'])('rejects %s written as an absolute path', (source) => {
      expectIssue(workspace(`mounts = ["${HOME}${source.slice(1)}:/data"]`), 'workspaces.web.mounts[0]', 'forbidden');
    });

    it.each([
      ['/', 'file system'],
      ['~', '~/.ssh'],
      ['~/', '~/.ssh'],
      ['/home', '~/.ssh'],
      ['/home/alice', '~/.ssh'],
      ['~/.config', '~/.config/'],
    ])('rejects %s because it contains a forbidden folder', (source, named) => {
      const issue = expectIssue(workspace(`mounts = ["${source}:/data"]`), 'workspaces.web.mounts[0]', 'forbidden');
      expect(issue.message).toContain(named);
    });

    it('rejects a host path that reaches ~/.ssh through ..', () => {
      expectIssue(workspace('mounts = ["~/proj/../.ssh:/keys:ro"]'), 'workspaces.web.mounts[0]', '~/.ssh');
    });
  });
});

describe('allowed_networks', () => {
  const scopes = [
    ['defaults', defaults],
    ['workspaces.web', workspace],
  ] as const;

  describe.each(scopes)('in %s', (prefix, scope) => {
    it.each(['10.1.0.0/16', '192.168.1.5/32', '0.0.0.0/0', 'fd00::/8', '::1/128', '2001:db8::/32'])('accepts %s', (cidr) => {
      expectValid(scope(`allowed_networks = [${toml(cidr)}]`));
    });

    it('rejects an IPv4 address without a prefix, suggesting /32', () => {
      expectIssue(scope('allowed_networks = ["10.0.0.0/8", "10.0.0.1"]'), `${prefix}.allowed_networks[1]`, 'did you mean "10.0.0.1/32"?');
    });

    it('rejects an IPv6 address without a prefix, suggesting /128', () => {
      expectIssue(scope('allowed_networks = ["fd00::1"]'), `${prefix}.allowed_networks[0]`, 'did you mean "fd00::1/128"?');
    });

    it.each([
      ['10.0.0.0/33', '0 to 32'],
      ['10.0.0.0/', '0 to 32'],
      ['10.0.0.0/x', '0 to 32'],
      ['10.0.0.0/-1', '0 to 32'],
      ['fd00::/129', '0 to 128'],
    ])('rejects the bad prefix in %s', (cidr, range) => {
      expectIssue(scope(`allowed_networks = [${toml(cidr)}]`), `${prefix}.allowed_networks[0]`, range);
    });

    it.each(['internal', '300.0.0.0/8', '10.0.0/8', 'example.com/24', ''])('rejects %j as not a CIDR, with an example', (cidr) => {
      expectIssue(scope(`allowed_networks = [${toml(cidr)}]`), `${prefix}.allowed_networks[0]`, 'e.g. "10.1.0.0/16"');
    });
  });
});

describe('allowed_hosts', () => {
  it.each(['registry.example.com', 'localhost', 'my-host', 'example.com.', 'xn--bcher-kva.example', '10.1.2.3', '::1', 'fd00::1', '2001:db8::42'])('accepts %s', (hostName) => {
    expectValid(defaults(`allowed_hosts = [${toml(hostName)}]`));
    expectValid(workspace(`allowed_hosts = [${toml(hostName)}]`));
  });

  it('accepts a wildcard first label, the way the firewall matches it', () => {
    expectValid(workspace('allowed_hosts = ["example.com", "*.example.com", "*.githubusercontent.com"]'));
  });

  it.each(['api.*.example.com', 'exa*mple.com', '*example.com'])('rejects the misplaced wildcard %s', (value) => {
    expectIssue(workspace(`allowed_hosts = [${toml(value)}]`), 'workspaces.web.allowed_hosts[0]', 'wildcard in the wrong place');
  });

  it('rejects a wildcard over a top-level domain', () => {
    expectIssue(workspace('allowed_hosts = ["*.com"]'), 'workspaces.web.allowed_hosts[0]', 'at least two labels');
  });

  it.each(['10.0.0.0/8', 'fd00::/8'])('rejects the CIDR %s, pointing to allowed_networks', (cidr) => {
    expectIssue(defaults(`allowed_hosts = [${toml(cidr)}]`), 'defaults.allowed_hosts[0]', 'allowed_networks');
  });

  it.each(['-bad.example.com', 'bad-.example.com', 'a..b', 'example.com:443', 'has space.com', '', `${'a'.repeat(64)}.com`])('rejects %j as not a host name', (value) => {
    expectIssue(workspace(`allowed_hosts = [${toml(value)}]`), 'workspaces.web.allowed_hosts[0]', 'not a host name or an IP address');
  });

  it('rejects a URL as not a host name, without calling it a network', () => {
    const issue = expectIssue(workspace('allowed_hosts = ["https://api.example.com/v1"]'), 'workspaces.web.allowed_hosts[0]', 'not a host name');
    expect(issue.message).not.toContain('allowed_networks');
  });

  it('rejects a dotted quad that is not an IPv4 address', () => {
    expectIssue(workspace('allowed_hosts = ["256.1.1.1"]'), 'workspaces.web.allowed_hosts[0]', 'not a host name or an IP address');
  });
});

describe('secrets', () => {
  it('accepts env and file secrets from host variables and files', () => {
    expectValid(`
[defaults.secrets.env.ANTHROPIC_API_KEY]
from_env = "ANTHROPIC_API_KEY"

[defaults.secrets.file.tls-key_1]
from_file = "~/keys/tls.pem"

[workspaces.web.secrets.env.GH_TOKEN]
from_file = "/run/user/1000/gh-token"
`);
  });

  it('accepts inline tables', () => {
    expectValid(workspace('secrets.env.TOKEN = { from_env = "MY_TOKEN" }'));
  });

  it('rejects a secret with no source', () => {
    expectIssue('[workspaces.web.secrets.env.TOKEN]\n', 'workspaces.web.secrets.env.TOKEN', 'exactly one source');
  });

  it('rejects a secret with two sources', () => {
    expectIssue('[defaults.secrets.file.token]\nfrom_env = "A"\nfrom_file = "/srv/token"\n', 'defaults.secrets.file.token', 'exactly one source');
  });

  it.each(['1TOKEN', 'MY-TOKEN', '$TOKEN', 'A B', ''])('rejects the host variable name %j', (name) => {
    expectIssue(`[defaults.secrets.env.TOKEN]\nfrom_env = ${toml(name)}\n`, 'defaults.secrets.env.TOKEN.from_env', 'not an environment variable name');
  });

  it.each(['_TOKEN', 'token2', 'A'])('accepts the host variable name %s', (name) => {
    expectValid(`[defaults.secrets.env.TOKEN]\nfrom_env = ${toml(name)}\n`);
  });

  it.each(['token.txt', './token', '~bob/token'])('rejects the relative from_file %s', (source) => {
    expectIssue(`[workspaces.web.secrets.file.token]\nfrom_file = ${toml(source)}\n`, 'workspaces.web.secrets.file.token.from_file', 'absolute');
  });

  it.each(['/srv/$USER/token', '~/${X}'])('rejects from_file %s, which contains $', (source) => {
    expectIssue(`[workspaces.web.secrets.file.token]\nfrom_file = ${toml(source)}\n`, 'workspaces.web.secrets.file.token.from_file', 'must not contain $');
  });

  it.each(['1TOKEN', 'MY-TOKEN', 'MY.TOKEN'])('rejects the env secret name %s', (name) => {
    expectIssue(
      `[workspaces.web.secrets.env.${toml(name)}]\nfrom_env = "A"\n`,
      `workspaces.web.secrets.env.${/^[A-Za-z0-9_-]+$/.test(name) ? name : toml(name)}`,
      'must be a variable name',
    );
  });

  it.each([...RESERVED_ENV_KEYS, 'HOME', 'PATH'])('rejects the reserved env secret name %s', (name) => {
    expectIssue(`[defaults.secrets.env.${name}]\nfrom_env = "A"\n`, `defaults.secrets.env.${name}`, 'reserved');
  });

  it.each(['tls-key', 'TOKEN_2', 'a'])('accepts the file secret name %s', (name) => {
    expectValid(`[defaults.secrets.file.${name}]\nfrom_env = "A"\n`);
  });

  it.each(['a.b', 'a/b', '..', 'a b'])('rejects the file secret name %j', (name) => {
    expectIssue(`[defaults.secrets.file.${toml(name)}]\nfrom_env = "A"\n`, `defaults.secrets.file.${toml(name)}`, 'may only contain letters, digits, _ and -');
  });

  it('accepts HOME as a file secret name: only env secrets replace variables', () => {
    expectValid('[defaults.secrets.file.HOME]\nfrom_env = "A"\n');
  });

  it('rejects the same name as an env and a file secret of one scope', () => {
    expectIssue(
      '[workspaces.web.secrets.env.TOKEN]\nfrom_env = "A"\n[workspaces.web.secrets.file.TOKEN]\nfrom_env = "A"\n',
      'workspaces.web.secrets.file.TOKEN',
      'both an env and a file secret',
    );
  });

  it('accepts the same name as an env secret in [defaults] and a file secret in a workspace', () => {
    expectValid('[defaults.secrets.env.TOKEN]\nfrom_env = "A"\n[workspaces.web.secrets.file.TOKEN]\nfrom_env = "A"\n');
  });

  describe('an env secret colliding with an env entry', () => {
    it('is rejected when both are in the workspace', () => {
      expectIssue(
        '[workspaces.web]\nenv = ["TOKEN=plain"]\n[workspaces.web.secrets.env.TOKEN]\nfrom_env = "A"\n',
        'workspaces.web.secrets.env.TOKEN',
        'collides with an env entry',
      );
    });

    it('is rejected when the secret is in [defaults] and the entry in a workspace', () => {
      expectIssue(
        '[defaults.secrets.env.TOKEN]\nfrom_env = "A"\n[workspaces.web]\nenv = ["TOKEN=plain"]\n',
        'defaults.secrets.env.TOKEN',
        'collides with an env entry',
      );
    });

    it('is rejected when the entry comes from an env file', () => {
      expectIssue(
        '[workspaces.web]\nenv_file = ["~/tokens.env"]\n[workspaces.web.secrets.env.GITHUB_TOKEN]\nfrom_env = "GH"\n',
        'workspaces.web.secrets.env.GITHUB_TOKEN',
        'collides with an env entry',
      );
    });

    it('is not an error for a file secret of that name', () => {
      expectValid('[workspaces.web]\nenv = ["TOKEN=plain"]\n[workspaces.web.secrets.file.TOKEN]\nfrom_env = "A"\n');
    });
  });
});

describe('workspace paths', () => {
  it.each(['~/proj', '/srv/code', '/home/alice/proj/', '/home/alice/proj/../api', '/home/agentx/code'])('accepts %s', (entry) => {
    expectValid(workspace(`paths = [${toml(entry)}]`));
  });

  it('accepts an empty list', () => {
    expect(expectValid(workspace('paths = []'))).toEqual([]);
  });

  it.each(['', '   '])('rejects the empty path %j', (entry) => {
    expectIssue(workspace(`paths = ["~/proj", ${toml(entry)}]`), 'workspaces.web.paths[1]', 'must not be empty');
  });

  it.each(['proj', './proj', '~bob/proj'])('rejects the relative path %s', (entry) => {
    expectIssue(workspace(`paths = [${toml(entry)}]`), 'workspaces.web.paths[0]', 'must be an absolute path');
  });

  it.each([
    ['/usr', '/usr'],
    ['/usr/local/src', '/usr'],
    ['/tmp/x', '/tmp'],
    ['/home/agent', '/home/agent'],
    ['/home/agent/src', '/home/agent'],
    ['/', '/home/agent'],
    ['/home', '/home/agent'],
    ['/opt/code', '/opt'],
    ['/certs', '/certs'],
    ['/home/alice/../agent/x', '/home/agent'],
  ])('rejects %s, which conflicts with %s in the container', (entry, dir) => {
    const issue = expectIssue(workspace(`paths = [${toml(entry)}]`), 'workspaces.web.paths[0]', 'container-internal');
    expect(issue.message).toContain(dir);
  });

  it.each(CONTAINER_INTERNAL_DIRS)('rejects the container-internal folder %s', (dir) => {
    expectIssue(workspace(`paths = [${toml(dir)}]`), 'workspaces.web.paths[0]', 'container-internal');
  });

  it.each(['~/.ssh', '~/.aws/sub', '~/.gnupg', '~/.docker', '/boot/efi', '/private/tmp/x', '~/proj/../.ssh'])('rejects the forbidden host folder %s', (entry) => {
    expectIssue(workspace(`paths = [${toml(entry)}]`), 'workspaces.web.paths[0]', 'forbidden');
  });

  it.each(['~', '/home/alice', '~/.config'])('rejects %s because it contains a forbidden folder', (entry) => {
    expectIssue(workspace(`paths = [${toml(entry)}]`), 'workspaces.web.paths[0]', 'contains ~/.');
  });

  it('rejects a string instead of a list, naming the expected type', () => {
    expectIssue(workspace('paths = "~/proj"'), 'workspaces.web.paths', 'must be a list');
  });
});

describe('enumerations', () => {
  it.each([
    ['agent', ['opencode', 'claude', 'codex', 'gemini', 'shell']],
    ['egress', ['open', 'allowlist']],
  ])('accepts every %s value in [defaults] and in workspaces', (key, values) => {
    for (const value of values) {
      expectValid(defaults(`${key} = ${toml(value)}`));
      expectValid(workspace(`${key} = ${toml(value)}`));
    }
  });

  it.each(['full', 'minimal'])('accepts the [base] variant %s', (variant) => {
    expectValid(`[base]\nvariant = ${toml(variant)}\n`);
  });

  it.each(['', 'remote', 'exec'])('accepts mode = %j', (mode) => {
    expectValid(`mode = ${toml(mode)}\n`);
  });

  it.each(['', 'auto', 'env', 'keyring', 'file'])('accepts password_mode = %j', (mode) => {
    expectValid(`password_mode = ${toml(mode)}\n`);
  });

  it.each([
    ['agent = "claud"', '[defaults]', 'defaults.agent', 'claude'],
    ['agent = "Codex"', '[workspaces.web]', 'workspaces.web.agent', 'codex'],
    ['egress = "allowlst"', '[workspaces.web]', 'workspaces.web.egress', 'allowlist'],
    ['variant = "minimum"', '[base]', 'base.variant', 'minimal'],
  ])('rejects %s in %s with a suggestion', (line, table, path, suggestion) => {
    const issue = expectIssue(`${table}\n${line}\n`, path, 'must be one of');
    expect(issue.message).toContain(`did you mean "${suggestion}"?`);
  });

  it('rejects mode = "remot" with a suggestion', () => {
    const issue = expectIssue('mode = "remot"\n', 'mode', 'must be one of "remote", "exec"');
    expect(issue.message).toContain('did you mean "remote"?');
  });

  it('rejects password_mode = "keyrng" with a suggestion', () => {
    const issue = expectIssue('password_mode = "keyrng"\n', 'password_mode', '"auto", "env", "keyring", "file"');
    expect(issue.message).toContain('did you mean "keyring"?');
  });

  it('lists the valid values when nothing is close', () => {
    const issue = expectIssue(defaults('agent = "emacs"'), 'defaults.agent', '"opencode", "claude", "codex", "gemini", "shell"');
    expect(issue.message).not.toContain('did you mean');
  });
});

describe('command', () => {
  it('accepts a list of words', () => {
    expectValid(defaults('command = ["bash", "-l"]'));
    expectValid(workspace('command = ["npm", "run", "dev"]'));
  });

  it('rejects an empty list, asking for a program', () => {
    expectIssue(workspace('command = []'), 'workspaces.web.command', 'at least one word');
  });

  it('rejects an empty string element', () => {
    expectIssue(defaults('command = ["bash", ""]'), 'defaults.command[1]', 'must not be an empty string');
  });

  it('rejects a string instead of a list', () => {
    expectIssue(defaults('command = "bash -l"'), 'defaults.command', 'must be a list');
  });
});

describe('networks', () => {
  it.each(['bridge', 'my_net.1', 'proj-net', 'Net2'])('accepts %s', (name) => {
    expectValid(defaults(`networks = [${toml(name)}]`));
    expectValid(workspace(`networks = [${toml(name)}]`));
  });

  it.each(['my net', '-net', '.net', '', 'net/1'])('rejects %j', (name) => {
    expectIssue(workspace(`networks = ["ok", ${toml(name)}]`), 'workspaces.web.networks[1]', 'is not a Docker network name');
  });
});

describe('port', () => {
  it.each(['1024', '41000', '65535'])('accepts port = %s in a workspace', (port) => {
    expectValid(workspace(`port = ${port}`));
  });

  it.each(['80', '65536', '4096.5', '0'])('rejects port = %s, saying what range works', (port) => {
    expectIssue(workspace(`port = ${port}`), 'workspaces.web.port', 'from 1024 to 65535');
  });

  it('is a workspace key only: one port for every workspace would collide', () => {
    expectIssue(defaults('port = 41000'), 'defaults.port', 'unknown key');
  });

  it('refuses the same port in two workspaces', () => {
    const issue = expectIssue('[workspaces.web]\nport = 41000\n[workspaces.api]\nport = 41000\n', 'workspaces.api.port', 'also the port of workspace "web"');
    expect(issue.line).toBe(4);
  });
});

describe('booleans', () => {
  it.each(['ssh_auth_sock', 'git_config', 'expose_port', 'enable_docker'])('accepts %s as true or false', (key) => {
    expectValid(defaults(`${key} = true`));
    expectValid(workspace(`${key} = false`));
  });

  it.each(['ssh_auth_sock', 'git_config', 'expose_port', 'enable_docker'])('rejects a string for %s', (key) => {
    expectIssue(workspace(`${key} = "yes"`), `workspaces.web.${key}`, 'must be true or false');
  });
});

describe('unknown keys', () => {
  it('at the top level, with a suggestion', () => {
    expectIssue('mdoe = "exec"\n', 'mdoe', 'did you mean "mode"?');
  });

  it('as a top-level table, with a suggestion', () => {
    expectIssue('[default]\ncpu = 2\n', 'default', 'did you mean "defaults"?');
  });

  it('in [base], with a suggestion', () => {
    expectIssue('[base]\nform = "ubuntu:24.04"\n', 'base.form', 'did you mean "from"?');
  });

  it('in [defaults], with a suggestion', () => {
    expectIssue(defaults('memroy = "4g"'), 'defaults.memroy', 'did you mean "memory"?');
  });

  it('in a workspace, with a suggestion', () => {
    expectIssue(workspace('imgae = "ubuntu:24.04"'), 'workspaces.web.imgae', 'did you mean "image"?');
  });

  it('in a secrets table, with a suggestion', () => {
    expectIssue('[workspaces.web.secrets]\nevn = {}\n', 'workspaces.web.secrets.evn', 'did you mean "env"?');
  });

  it('in a secret source, with a suggestion', () => {
    const issues = issuesOf('[defaults.secrets.env.TOKEN]\nfrom_evn = "A"\n');
    const unknown = issues.find((issue) => issue.path === 'defaults.secrets.env.TOKEN.from_evn');
    expect(unknown?.message).toContain('did you mean "from_env"?');
  });

  it('lists the valid keys when nothing is close', () => {
    expectIssue('[base]\nxyzzy = 1\n', 'base.xyzzy', 'valid keys are dockerfile, from, variant');
  });

  it('explains mode is top-level only when written in a workspace', () => {
    expectIssue(workspace('mode = "exec"'), 'workspaces.web.mode', 'only valid at the top of the file');
  });

  it('explains paths belongs in a workspace when written in [defaults]', () => {
    expectIssue(defaults('paths = []'), 'defaults.paths', '[workspaces.<name>]');
  });

  it('explains dockerfile belongs in [base] or a workspace when written in [defaults]', () => {
    expectIssue(defaults('dockerfile = "/srv/Dockerfile"'), 'defaults.dockerfile', '[base] or a [workspaces.<name>] table');
  });

  it('reports each unknown key of one table', () => {
    const issues = issuesOf(workspace('imgae = "x"\ncpus = 2'));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['workspaces.web.cpus', 'workspaces.web.imgae']);
  });
});

describe('type errors', () => {
  it.each([
    [defaults('cpu = "2"'), 'defaults.cpu', 'must be a number, got "2"'],
    [workspace('paths = "x"'), 'workspaces.web.paths', 'must be a list ([...]), got "x"'],
    [defaults('env = [1]'), 'defaults.env[0]', 'must be a string, got number 1'],
    [defaults('enable_docker = 1'), 'defaults.enable_docker', 'must be true or false'],
    ['workspaces = 5\n', 'workspaces', 'must be a table'],
    ['defaults = []\n', 'defaults', 'must be a table'],
    [workspace('secrets = "TOKEN"'), 'workspaces.web.secrets', 'must be a table'],
    ['[defaults.secrets.env]\nTOKEN = "A"\n', 'defaults.secrets.env.TOKEN', 'must be a table'],
    [defaults('memory = 2024-01-01'), 'defaults.memory', 'must be a string, got a date'],
  ])('%s', (text, path, message) => {
    expectIssue(text, path, message);
  });
});

describe('error positions', () => {
  it('points at an unknown key', () => {
    const issue = expectIssue('[workspaces.web]\npaths = []\nimgae = "ubuntu"\n', 'workspaces.web.imgae');
    expect([issue.line, issue.column]).toEqual([3, 1]);
  });

  it('points at a bad array element', () => {
    const text = '[workspaces.web]\nmounts = [\n  "~/src:/src",\n  "~/data:data",\n]\n';
    const issue = expectIssue(text, 'workspaces.web.mounts[1]', 'must be absolute');
    expect([issue.line, issue.column]).toEqual([4, 3]);
  });

  it('points at a bad value in a nested secret table', () => {
    const text = '[defaults]\ncpu = 2\n\n[workspaces.web.secrets.env.TOKEN]\nfrom_env = "1TOKEN"\n';
    const issue = expectIssue(text, 'workspaces.web.secrets.env.TOKEN.from_env');
    expect([issue.line, issue.column]).toEqual([5, 12]);
  });

  it('points at a bad value in an inline table', () => {
    const issue = expectIssue('workspaces = { web = { image = "Ubuntu" } }\n', 'workspaces.web.image', 'lowercase');
    expect([issue.line, issue.column]).toEqual([1, 32]);
  });

  it('points at a bad workspace name in its table header', () => {
    const issue = expectIssue('[defaults]\n\n[workspaces.Web]\n', 'workspaces.Web');
    expect([issue.line, issue.column]).toEqual([3, 2]);
  });

  it('points at where the TOML parser stopped, with no key path', () => {
    const issues = issuesOf('[defaults]\ncpu = 2x\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: null, line: 2, column: 8 });
    expect(issues[0]?.message).toMatch(/^TOML syntax error: /);
  });

  it('reports a duplicate key as a syntax error at the second definition', () => {
    const issues = issuesOf('[defaults]\ncpu = 2\ncpu = 3\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: null, line: 3 });
    expect(issues[0]?.message).toMatch(/^TOML syntax error: /);
  });

  it('points at an unknown top-level table written only as a dotted header', () => {
    const issue = expectIssue('[workspace.web]\npaths = []\n', 'workspace', 'did you mean "workspaces"?');
    expect([issue.line, issue.column]).toEqual([1, 2]);
  });

  it('points at an unknown nested table written only as a dotted header', () => {
    const text = '[workspaces.web]\npaths = []\n\n[workspaces.web.secrets.evn.TOKEN]\nfrom_env = "TOKEN"\n';
    const issue = expectIssue(text, 'workspaces.web.secrets.evn', 'did you mean "env"?');
    expect([issue.line, issue.column]).toEqual([4, 2]);
  });

  it('points at an array of tables used where a table is expected', () => {
    const issue = expectIssue('[[workspaces.web]]\npaths = []\n', 'workspaces.web', 'must be a table');
    expect([issue.line, issue.column]).toEqual([1, 3]);
  });

  it('reports every problem of a file at once', () => {
    const text = '[defaults]\ncpu = 0\nmemory = "1k"\n\n[workspaces.Web]\nagent = "vim"\n';
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path).sort()).toEqual(['defaults.cpu', 'defaults.memory', 'workspaces.Web', 'workspaces.Web.agent']);
    for (const issue of issues) expect(issue.line).toEqual(expect.any(Number));
  });
});

describe('warnings', () => {
  it('warns, without failing, about a workspace path that does not exist', () => {
    const warnings = expectValid(workspace('paths = ["~/proj", "~/missing"]'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: 'workspaces.web.paths[1]', line: 2 });
    expect(warnings[0]?.message).toContain('~/missing does not exist');
  });

  it('gives no warning for existing paths', () => {
    expect(expectValid(workspace('paths = ["~/proj", "/srv/code"]'))).toEqual([]);
  });

  it('warns about the same path in two workspaces, however it is written', () => {
    const warnings = expectValid('[workspaces.web]\npaths = ["~/proj"]\n\n[workspaces.api]\npaths = ["/home/alice/proj/"]\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: 'workspaces.api.paths[0]', line: 5 });
    expect(warnings[0]?.message).toContain('"web"');
  });

  it('warns about build_context without a dockerfile', () => {
    const warnings = expectValid(workspace('build_context = "~/proj"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: 'workspaces.web.build_context', line: 2 });
    expect(warnings[0]?.message).toContain('without a dockerfile');
  });

  it('warns about a build_context that does not exist', () => {
    const warnings = expectValid(workspace('dockerfile = "/srv/Dockerfile"\nbuild_context = "~/nowhere"'));
    expect(warnings.map((warning) => warning.path)).toEqual(['workspaces.web.build_context']);
  });
});
