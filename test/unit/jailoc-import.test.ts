import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../core/config/edit.ts';
import { ConfigError } from '../../core/config/errors.ts';
import { convertJailocConfig } from '../../core/config/jailoc.ts';
import { validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import type { HostView } from '../../core/config/schema.ts';
import { linesOf } from '../support/text.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/jailoc/', import.meta.url));
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const SOURCE = '/home/tester/.config/jailoc/config.toml';

// ---- a fake host: the env files and secret files the fixtures name exist here, nowhere else ----

const HOME = '/home/tester';
const HOST_FILES: Record<string, string> = {
  [`${HOME}/.config/agent.env`]: '# shared agent env\nGIT_AUTHOR_NAME="Agent Smith"\nLANG=C.UTF-8 # inline comment\n',
  [`${HOME}/projects/web/.env.agent`]: 'API_URL=http://localhost:8080\n',
  [`${HOME}/.secrets/npmrc`]: '//registry.npmjs.org/:_authToken=not-a-real-token\n',
};
const HOST_DIRS = [`${HOME}/projects/web`, `${HOME}/projects/api`, `${HOME}/projects/myproject`];

function fakeHost(files: Record<string, string> = HOST_FILES): HostView {
  return {
    home: HOME,
    exists: (file) => file in files || HOST_DIRS.includes(file) || Object.keys(files).some((known) => known.startsWith(`${file}/`)),
    isFile: (file) => file in files,
    readText: (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

const HEADER = `# Imported from ${SOURCE} by \`paddock config import-jailoc\`.\n`;
const ENABLE_DOCKER_NOTE = /^set defaults\.enable_docker = true: /;

/** The lines of `after` that are not in `before`, when `after` only adds lines; fails if any line of `before` is gone. */
function addedLines(before: string, after: string): string[] {
  const added: string[] = [];
  const rest = linesOf(before);
  for (const line of linesOf(after)) {
    if (rest[0] === line) rest.shift();
    else added.push(line);
  }
  expect(rest, 'every original line is kept, in order').toEqual([]);
  return added;
}

/** Every line of `before` except `dropped` is in `after`, in order and unchanged; returns the lines `after` adds. */
function expectKeptExcept(before: string, after: string, dropped: string[]): string[] {
  const kept = linesOf(before).filter((line) => !dropped.includes(line.replace(/\n$/, '')));
  expect(kept.length, 'each dropped line is in the original').toBe(linesOf(before).length - dropped.length);
  return addedLines(kept.join(''), after);
}

function dataOf(text: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(parseToml(text))) as Record<string, unknown>;
}

function withKey(data: Record<string, unknown>, keyPath: string[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  let node = copy;
  for (const key of keyPath.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  const last = keyPath.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function convertError(text: string, host: HostView = fakeHost()): ConfigError {
  try {
    convertJailocConfig(text, SOURCE, host);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected convertJailocConfig to throw a ConfigError');
}

/** 1-based number of the line of `text` that contains `needle` (which must occur on exactly one line). */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((line, index) => (line.includes(needle) ? [index + 1] : []));
  expect(found, `"${needle}" is on exactly one line`).toHaveLength(1);
  return found[0] as number;
}

// ---- the seed document's examples (custom images) ----

const SEED_FIXTURES: Array<[string, Array<[string[], unknown]>]> = [
  ['seed-prebuilt-image.toml', [[['workspaces', 'myproject', 'image'], 'myregistry.example.com/myteam/myapp:v1.2.3']]],
  ['seed-defaults-image.toml', [[['defaults', 'image'], 'ubuntu:22.04'], [['workspaces', 'myproject', 'dockerfile'], '~/projects/myproject/overlay.Dockerfile']]],
  ['seed-base-dockerfile-absolute.toml', [[['base', 'dockerfile'], '/opt/myorg/base.Dockerfile']]],
  ['seed-base-dockerfile-tilde.toml', [[['base', 'dockerfile'], '~/dockerfiles/base.Dockerfile']]],
  ['seed-base-dockerfile-url.toml', [[['base', 'dockerfile'], 'https://git.example.com/team/dockerfiles/-/raw/main/opencode.Dockerfile']]],
  ['seed-overlay-local.toml', [[['workspaces', 'myproject', 'dockerfile'], '~/projects/myproject/overlay.Dockerfile']]],
  ['seed-overlay-url.toml', [[['workspaces', 'myproject', 'dockerfile'], 'https://git.example.com/team/dockerfiles/-/raw/main/myproject-overlay.Dockerfile']]],
  [
    'seed-build-context.toml',
    [
      [['workspaces', 'myproject', 'dockerfile'], '~/projects/myproject/docker/overlay.Dockerfile'],
      [['workspaces', 'myproject', 'build_context'], '~/projects/myproject'],
    ],
  ],
];

describe('convertJailocConfig: the custom-image examples', () => {
  it.each(SEED_FIXTURES)('%s converts, keeps every line and comment, and validates', (name, expected) => {
    const original = fixture(name);
    const host = fakeHost();
    const { text, notes } = convertJailocConfig(original, SOURCE, host);

    expect(text.startsWith(HEADER)).toBe(true);
    const body = text.slice(HEADER.length);
    // Nothing of the original is lost or changed; the only addition is the explicit enable_docker.
    const added = addedLines(original, body);
    expect(added.filter((line) => line.trim() !== '')).toEqual(expect.arrayContaining(['enable_docker = true\n']));
    expect(added.filter((line) => line.trim() !== '' && line !== 'enable_docker = true\n' && line !== '[defaults]\n')).toEqual([]);
    for (const comment of original.split('\n').filter((line) => line.includes('#'))) expect(body).toContain(comment);

    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(ENABLE_DOCKER_NOTE);
    expect(dataOf(body)).toEqual(withKey(dataOf(original), ['defaults', 'enable_docker'], true));
    for (const [keyPath, value] of expected) {
      expect(keyPath.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], dataOf(body))).toEqual(value);
    }

    const { config } = validateConfigText(text, '/home/tester/.config/paddock/config.toml', host);
    for (const workspace of Object.keys(config.workspaces ?? {})) {
      expect(resolveWorkspace(config, workspace, host).enableDocker).toBe(true);
    }
  });

  it('keeps a pre-built workspace image and a defaults image as they are', () => {
    const host = fakeHost();
    const { config } = validateConfigText(convertJailocConfig(fixture('seed-defaults-image.toml'), SOURCE, host).text, 'p', host);
    const overlay = resolveWorkspace(config, 'myproject', host);
    expect(overlay).toMatchObject({ defaultsImage: 'ubuntu:22.04', image: null, dockerfile: `${HOME}/projects/myproject/overlay.Dockerfile` });
    expect(resolveWorkspace(config, 'plain', host)).toMatchObject({ defaultsImage: 'ubuntu:22.04', image: null, dockerfile: null });

    const prebuilt = validateConfigText(convertJailocConfig(fixture('seed-prebuilt-image.toml'), SOURCE, host).text, 'p', host).config;
    expect(resolveWorkspace(prebuilt, 'myproject', host).image).toBe('myregistry.example.com/myteam/myapp:v1.2.3');
  });
});

// ---- a full config modelled on jailoc's template ----

describe('convertJailocConfig: a full jailoc config', () => {
  const original = fixture('template-full.toml');

  it('converts, adding only enable_docker = true to [defaults] and the confirmation of the env file inside a project', () => {
    const { text, notes } = convertJailocConfig(original, SOURCE, fakeHost());
    const body = text.slice(HEADER.length);
    expect(text.slice(0, HEADER.length)).toBe(HEADER);
    expect(addedLines(original, body)).toEqual(['enable_docker = true\n', 'agent_writable_sources = ["~/projects/web/.env.agent"]\n']);
    expect(body).toContain('memory = "4g"\nenable_docker = true\n\n# Secrets:');
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(ENABLE_DOCKER_NOTE);
    expect(notes[1]).toMatch(/workspaces\.web\.agent_writable_sources = \["~\/projects\/web\/\.env\.agent"\]: it lies in the workspace's own folders, which the agent can change.*never follows a symlink/);
    const expected = withKey(withKey(dataOf(original), ['defaults', 'enable_docker'], true), ['workspaces', 'web', 'agent_writable_sources'], ['~/projects/web/.env.agent']);
    expect(dataOf(body)).toEqual(expected);
  });

  it('keeps every comment, including the commented-out examples and trailing comments', () => {
    const { text } = convertJailocConfig(original, SOURCE, fakeHost());
    const comments = original.split('\n').filter((line) => line.includes('#'));
    expect(comments.length).toBeGreaterThan(10);
    for (const line of comments) expect(text).toContain(`${line}\n`);
  });

  it('passes validation, and resolves the way jailoc did', () => {
    const host = fakeHost();
    const { text } = convertJailocConfig(original, SOURCE, host);
    const { config } = validateConfigText(text, '/home/tester/.config/paddock/config.toml', host);
    expect(config.mode).toBe('exec');
    expect(config.password_mode).toBe('keyring');

    const web = resolveWorkspace(config, 'web', host);
    const api = resolveWorkspace(config, 'api', host);
    const fallback = resolveWorkspace(config, 'default', host);
    // jailoc: workspace value, else defaults, else true.
    expect([web.enableDocker, api.enableDocker, fallback.enableDocker]).toEqual([false, true, true]);
    expect([web.sshAuthSock, api.sshAuthSock]).toEqual([false, true]);
    expect([web.cpu, web.memory, api.cpu, api.memory]).toEqual([4, '8g', 2, '4g']);
    // Env: defaults.env, defaults.env_file, workspace env_file, workspace env.
    expect(web.env).toEqual([
      ['EDITOR', 'vim'],
      ['TZ', 'Europe/Prague'],
      ['GIT_AUTHOR_NAME', 'Agent Smith'],
      ['LANG', 'C.UTF-8'],
      ['API_URL', 'http://localhost:8080'],
      ['NODE_ENV', 'development'],
    ]);
    // Removal syntax: defaults drop ~/.opencode, web also drops ~/.agents.
    const targets = (mounts: typeof web.mounts) => mounts.map((mount) => mount.container);
    expect(targets(api.mounts)).not.toContain('/home/agent/.opencode');
    expect(targets(api.mounts)).toContain('/home/agent/.agents');
    expect(targets(web.mounts)).not.toContain('/home/agent/.agents');
    expect(targets(web.mounts)).toContain('/home/agent/.local/share/opencode/auth.json');
    expect(web.allowedNetworks).toEqual(['10.20.0.0/16', '192.168.50.0/24']);
    expect(web.allowedHosts).toEqual(['registry.internal.example.com', '10.0.0.5']);
    expect(web.secrets.map((secret) => [secret.name, secret.destination, secret.origin])).toEqual([
      ['ANTHROPIC_API_KEY', 'env', 'defaults'],
      ['GITHUB_TOKEN', 'env', 'workspace'],
      ['npmrc', 'file', 'defaults'],
    ]);
    expect(api.image).toBe('ghcr.io/example/api-dev:2024.1');
  });

  it('reports a missing env file at its line in the jailoc file', () => {
    const files = { ...HOST_FILES };
    delete files[`${HOME}/.config/agent.env`];
    const error = convertError(original, fakeHost(files));
    expect(error.file).toBe(SOURCE);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: 'defaults.env_file[0]', line: lineOf(original, 'env_file = ["~/.config/agent.env"]') });
    expect(error.issues[0]?.message).toContain('~/.config/agent.env');
  });
});

// ---- enable_docker ----

describe('convertJailocConfig: enable_docker', () => {
  it('is not added when [defaults] already sets it, and the text is then the original under the header', () => {
    const original = fixture('defaults-enable-docker.toml');
    const { text, notes } = convertJailocConfig(original, SOURCE, fakeHost());
    expect(text).toBe(HEADER + original);
    expect(notes).toEqual([]);
    validateConfigText(text, 'p', fakeHost());
  });

  it('is not added when it is set to true either', () => {
    const original = fixture('defaults-enable-docker.toml').replace('enable_docker = false', 'enable_docker = true');
    const { text, notes } = convertJailocConfig(original, SOURCE, fakeHost());
    expect(text).toBe(HEADER + original);
    expect(notes).toEqual([]);
  });

  it('is added in a new [defaults] table when there is none', () => {
    const original = fixture('seed-overlay-local.toml');
    expect(original).not.toContain('[defaults]');
    const { text } = convertJailocConfig(original, SOURCE, fakeHost());
    expect(addedLines(original, text.slice(HEADER.length)).filter((line) => line.trim() !== '')).toEqual(['[defaults]\n', 'enable_docker = true\n']);
  });

  it('is added to [defaults] even when a workspace sets its own', () => {
    const original = '[defaults]\ncpu = 1\n\n[workspaces.web]\npaths = []\nenable_docker = false\n';
    const { text, notes } = convertJailocConfig(original, SOURCE, fakeHost());
    expect(text).toBe(`${HEADER}[defaults]\ncpu = 1\nenable_docker = true\n\n[workspaces.web]\npaths = []\nenable_docker = false\n`);
    expect(notes).toHaveLength(1);
  });
});

// ---- keys jailoc ignored ----

describe('convertJailocConfig: keys jailoc ignored', () => {
  const original = fixture('ignored-keys.toml');

  it('removes each ignored key (a workspace-level mode included) with a note, and keeps everything else', () => {
    const { text, notes } = convertJailocConfig(original, SOURCE, fakeHost());
    const dropped = [
      'theme = "dark"          # not a jailoc key',
      'pull = "always"         # jailoc has no such option',
      'timeout = 30            # not a jailoc key either',
      'mode = "exec"',
      'autostart = true        # jailoc never had this',
      '[extras]',
      'owner = "me"',
      '# Notes for a tool that never existed.',
    ];
    // The blank line that separated the last table, [extras], goes with it: no blank end of file.
    const withoutSeparator = original.replace(/\n\n(# Notes for a tool)/, '\n$1');
    const added = expectKeptExcept(withoutSeparator, text.slice(HEADER.length), dropped);
    expect(added.filter((line) => line.trim() !== '')).toEqual(['enable_docker = true\n']);
    expect(text.endsWith('"]\n')).toBe(true);

    expect(notes).toEqual(
      expect.arrayContaining([
        'removed theme: jailoc ignored this key',
        'removed extras: jailoc ignored this key',
        'removed base.pull: jailoc ignored this key',
        'removed defaults.timeout: jailoc ignored this key',
        'removed workspaces.web.autostart: jailoc ignored this key',
      ]),
    );
    expect(notes.find((note) => note.startsWith('removed workspaces.web.mode:'))).toMatch(/workspace-level mode/);
    expect(notes.filter((note) => ENABLE_DOCKER_NOTE.test(note))).toHaveLength(1);
    expect(notes).toHaveLength(7);
  });

  it('keeps the top-level mode, which jailoc did read', () => {
    const { text } = convertJailocConfig(original, SOURCE, fakeHost());
    expect(text).toContain('mode = "remote"\n');
    expect(dataOf(text).mode).toBe('remote');
  });

  it('produces the original data minus the ignored keys, and the result validates', () => {
    const host = fakeHost();
    const { text } = convertJailocConfig(original, SOURCE, host);
    let expected = dataOf(original);
    for (const keyPath of [['theme'], ['extras'], ['base', 'pull'], ['defaults', 'timeout'], ['workspaces', 'web', 'mode'], ['workspaces', 'web', 'autostart']]) {
      expected = withKey(expected, keyPath, undefined);
    }
    expect(dataOf(text)).toEqual(withKey(expected, ['defaults', 'enable_docker'], true));
    const { config } = validateConfigText(text, 'p', host);
    expect(config.workspaces?.web).toEqual({ paths: ['~/projects/web'], memory: '2g' });
  });

  it('removes keys jailoc ignored inside secret tables too (it only read from_env and from_file)', () => {
    const secretOriginal = fixture('ignored-secret-keys.toml');
    const { text, notes } = convertJailocConfig(secretOriginal, SOURCE, fakeHost());
    expect(text).not.toContain('description');
    expect(text).toContain('from_env = "ANTHROPIC_API_KEY"\n');
    expect(notes.some((note) => note.startsWith('removed defaults.secrets.env.ANTHROPIC_API_KEY.description'))).toBe(true);
    validateConfigText(text, 'p', fakeHost());
  });
});

// ---- configs Paddock rejects ----

describe('convertJailocConfig: configs Paddock rejects', () => {
  const original = fixture('forbidden-mounts.toml');

  it('drops an explicit read-write mount of a built-in copy, saying why', () => {
    const text = '[defaults]\nenable_docker = true\nmounts = [\n  "~/.config/opencode:/home/agent/.config/opencode:rw",\n  "~/.opencode:/home/agent/.opencode",\n  "/srv/data:/data",\n]\n';
    const converted = convertJailocConfig(text, SOURCE, fakeHost());
    expect(dataOf(converted.text)).toEqual({ defaults: { enable_docker: true, mounts: ['/srv/data:/data'] } });
    expect(converted.notes).toHaveLength(2);
    for (const note of converted.notes) expect(note).toMatch(/from defaults\.mounts: a read-write mount let the agent plant code .* its own copy of that folder, seeded from yours/);
  });

  it('throws a ConfigError whose lines point into the original jailoc text', () => {
    const error = convertError(original);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.file).toBe(SOURCE);
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue]));
    expect(Object.keys(byPath).sort()).toEqual(['workspaces.web.image', 'workspaces.web.mounts[1]']);

    const sshLine = lineOf(original, '"~/.ssh:/home/agent/.ssh:ro"');
    expect(byPath['workspaces.web.mounts[1]']).toMatchObject({ line: sshLine, column: (original.split('\n')[sshLine - 1] ?? '').indexOf('"') + 1 });
    expect(byPath['workspaces.web.mounts[1]']?.message).toMatch(/~\/\.ssh.*forbidden/);
    expect(byPath['workspaces.web.image']?.line).toBe(lineOf(original, 'image = "Ubuntu:22.04"'));
    expect(byPath['workspaces.web.image']?.message).toContain('lowercase');
    expect(error.message).toContain(`${SOURCE}:${sshLine}:`);
  });

  /** The import's edits applied by hand, and what validating that text directly reports. */
  function validateByHand(): { converted: string; direct: ConfigError | undefined } {
    const converted = applyEdits(original, [
      { op: 'unset', path: ['version'] },
      { op: 'unset', path: ['workspaces', 'web', 'mode'] },
      { op: 'set', path: ['defaults', 'enable_docker'], value: true },
      { op: 'remove', path: ['defaults', 'mounts'], value: '~/.config/opencode:/home/agent/.config/opencode:rw' },
    ]);
    try {
      validateConfigText(converted, SOURCE, fakeHost());
      return { converted, direct: undefined };
    } catch (error) {
      return { converted, direct: error as ConfigError };
    }
  }

  it('the converted text has these problems on other lines, so the mapping back is what makes the lines right', () => {
    const { converted, direct } = validateByHand();
    expect(direct).toBeInstanceOf(ConfigError);
    const convertedLine = direct?.issues.find((issue) => issue.path === 'workspaces.web.mounts[1]')?.line;
    expect(convertedLine).toBe(lineOf(converted, '"~/.ssh:/home/agent/.ssh:ro"'));
    expect(convertedLine).not.toBe(lineOf(original, '"~/.ssh:/home/agent/.ssh:ro"'));
  });

  it('gives the same columns as validating the converted text would (the offending value, not its key)', () => {
    const { converted, direct } = validateByHand();
    const imported = convertError(original);
    for (const issue of direct?.issues ?? []) {
      const mapped = imported.issues.find((candidate) => candidate.path === issue.path);
      expect(mapped?.column, `column of ${issue.path}`).toBe(issue.column);
    }
    // "Ubuntu:22.04" starts at column 9 of `image = "Ubuntu:22.04"`.
    expect(imported.issues.find((issue) => issue.path === 'workspaces.web.image')?.column).toBe(9);
  });

  it('rejects other host secrets jailoc let through (~/.docker, ~/.kube, a parent of ~/.ssh)', () => {
    for (const [mount, needle] of [
      ['~/.docker:/home/agent/.docker:ro', '~/.docker'],
      ['~/.kube/config:/home/agent/.kube/config:ro', '~/.kube'],
      ['~:/home/agent/host-home:ro', '~/.ssh'],
    ]) {
      const text = `# a jailoc config\n[defaults]\nenable_docker = false\n\n[workspaces.ops]\npaths = []\nmounts = [\n  "${mount}",\n]\n`;
      const error = convertError(text);
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ path: 'workspaces.ops.mounts[0]', line: 8, column: 3 });
      expect(error.issues[0]?.message).toContain(needle);
    }
  });

  it('reports a TOML syntax error in the jailoc file at its place', () => {
    const text = '[defaults]\ncpu = 2\nmemory = "4g\n';
    const error = convertError(text);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: null, line: 3 });
    expect(error.issues[0]?.message).toMatch(/^TOML syntax error/);
  });

  it('reports problems in keys it would keep even when it also removes ignored keys before them', () => {
    const text = 'legacy = true\n\n[defaults]\nmemory = "lots"\n\n[workspaces.web]\npaths = []\n';
    const error = convertError(text);
    expect(error.issues).toEqual([expect.objectContaining({ path: 'defaults.memory', line: 4 })]);
  });
});
