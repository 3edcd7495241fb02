import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { TomlDocument } from '../../core/config/document.ts';
import { applyEdits, serialize, type TomlValue } from '../../core/config/edit.ts';
import { ConfigError, type ConfigIssue } from '../../core/config/errors.ts';
import { validateConfigText } from '../../core/config/load.ts';
import type { HostView } from '../../core/config/schema.ts';
import { lineDiff } from '../support/text.ts';

// ---- a fake host: nothing here touches the real file system ----

const HOME = '/home/tester';
const FILES: Record<string, string> = {
  [`${HOME}/agent.env`]: 'EDITOR=vim\n# comment\nTZ="Europe/Prague" # tz\n',
  [`${HOME}/reserved.env`]: 'PADDOCK=1\n',
};
const host: HostView = {
  home: HOME,
  exists: (file) => file in FILES || Object.keys(FILES).some((known) => known.startsWith(`${file}/`)) || file === HOME,
  isFile: (file) => file in FILES,
  readText: (file) => {
    const text = FILES[file];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
    return text;
  },
};

// ---- (a) validateConfigText never throws anything but ConfigError ----

function expectWellFormedIssue(issue: ConfigIssue): void {
  expect(typeof issue.message).toBe('string');
  expect(issue.message.length).toBeGreaterThan(0);
  expect(issue.path === null || typeof issue.path === 'string').toBe(true);
  for (const place of [issue.line, issue.column]) {
    if (place !== null) {
      expect(Number.isInteger(place), `line/column ${place} is an integer`).toBe(true);
      expect(place).toBeGreaterThanOrEqual(1);
    }
  }
}

/** Validates and checks the outcome: a config with well-formed warnings, or a ConfigError with well-formed issues. */
function checkValidation(text: string): 'valid' | 'invalid' {
  let result: ReturnType<typeof validateConfigText>;
  try {
    result = validateConfigText(text, '/cfg/config.toml', host);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw new Error(`validateConfigText threw a non-ConfigError for ${JSON.stringify(text)}: ${String(error)}`);
    expect(error.file).toBe('/cfg/config.toml');
    expect(error.issues.length).toBeGreaterThan(0);
    error.issues.forEach(expectWellFormedIssue);
    expect(typeof error.message).toBe('string');
    return 'invalid';
  }
  expect(result.config).toBeTypeOf('object');
  result.warnings.forEach(expectWellFormedIssue);
  return 'valid';
}

const KEYS = {
  root: ['mode', 'password_mode', 'base', 'defaults', 'workspaces'],
  base: ['dockerfile', 'from', 'variant'],
  common: [
    'image', 'env', 'env_file', 'mounts', 'allowed_hosts', 'allowed_networks', 'ssh_auth_sock', 'git_config', 'expose_port',
    'enable_docker', 'cpu', 'memory', 'secrets', 'agent', 'command', 'networks', 'egress',
  ],
  workspace: ['paths', 'dockerfile', 'build_context'],
  secret: ['from_env', 'from_file'],
  odd: ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'memroy', 'Paths', 'enable-docker', '"quoted key"', '"a.b"', '""'],
};
const ALL_KEYS = [...new Set([...KEYS.root, ...KEYS.base, ...KEYS.common, ...KEYS.workspace, ...KEYS.secret, ...KEYS.odd])];

const STRING_VALUES = [
  '"4g"', '"512m"', '"5m"', '"lots"', '"0"', '""', '"   "', '"exec"', '"remote"', '"auto"', '"claude"', '"allowlist"', '"full"',
  '"ubuntu:24.04"', '"Ubuntu:24.04"', '"ghcr.io/a/b:1@sha256:0123456789abcdef0123456789abcdef"', '"~/projects/web"', '"/srv/web"',
  '"/"', '"/home"', '"/tmp/x"', '"relative/path"', '"~"', '"~other/x"', '"C:\\\\work"', '"~/.ssh"', '"~/.ssh/id_rsa:/home/agent/k:ro"',
  '"~/x:/home/agent/x:ro"', '"~/x:/home/agent/x:maybe"', '":/home/agent/.opencode"', '"~/x:/usr/x"', '"~/x:relative"', '"a:b:c:d"',
  '"https://example.com/Dockerfile"', '"http://"', '"ftp://example.com/x"', '"file:///etc/passwd"', '"10.0.0.0/8"', '"10.0.0.1"',
  '"fd00::/8"', '"10.0.0.0/33"', '"*.example.com"', '"-bad-.example"', '"EDITOR=vim"', '"=x"', '" K=v"', '"PADDOCK=1"', '"HOME=/x"',
  '"~/agent.env"', '"~/reserved.env"', '"~/missing.env"', '"ANTHROPIC_API_KEY"', '"1BAD"', '"$HOME/x"', "'literal \\ string'",
  '"""multi\nline"""', '"\\u00e9\\t"', '"bridge"', '"my.net_1"',
];
const SCALAR_VALUES = ['0', '-1', '1', '2.5', '1e3', 'inf', '-inf', 'nan', '0x10', 'true', 'false', '1979-05-27', '1979-05-27T07:32:00Z', '07:32:00'];

const leafValue = fc.constantFrom(...STRING_VALUES, ...SCALAR_VALUES);
const tomlValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { weight: 5, arbitrary: leafValue },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...ALL_KEYS, 'TOKEN', 'web'), tie('value')), { maxLength: 3, selector: ([key]) => key })
        .map((pairs) => `{ ${pairs.map(([key, value]) => `${key} = ${value}`).join(', ')} }`),
    },
  ),
})).value;

const tableName = fc.oneof(
  fc.constantFrom(
    'base', 'defaults', 'workspaces', 'workspaces.web', 'workspaces.api', 'workspaces.default', 'workspaces.Bad_Name', 'workspaces."has space"',
    'workspaces.__proto__', 'workspaces.constructor', 'defaults.secrets', 'defaults.secrets.env.TOKEN', 'defaults.secrets.file.key',
    'workspaces.web.secrets.env.TOKEN', 'workspaces.web.secrets.env.HOME', 'workspaces.web.secrets.file."a.b"', 'workspaces.web.secrets.env.EDITOR',
    'secrets', 'workspace.web', 'defaults.env',
  ),
  fc.array(fc.constantFrom(...ALL_KEYS, 'web', 'TOKEN'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
);

const pairLine = fc
  .tuple(fc.constantFrom(...ALL_KEYS), tomlValue, fc.constantFrom(' = ', '=', '   =   '), fc.constantFrom('', '', '  # note', ' #'))
  .map(([key, value, eq, comment]) => `${key}${eq}${value}${comment}`);

const section = fc.record({
  header: fc.option(tableName, { nil: undefined }),
  pairs: fc.uniqueArray(pairLine, { maxLength: 5, selector: (line) => line.split('=')[0]?.trim() }),
  comment: fc.option(fc.constantFrom('# a comment', '#', '# [not a table]'), { nil: undefined }),
});

/** TOML-ish documents built from the real key names: mostly well-formed, often invalid for Paddock. */
const tomlishDocument = fc
  .tuple(fc.array(section, { maxLength: 5 }), fc.option(fc.tuple(fc.nat(), fc.constantFrom('=', '[', ']', '"', '\n', '\u0000', '\u007f', '#', '.', ',')), { nil: undefined }))
  .map(([sections, noise]) => {
    const text = sections
      .map(({ header, pairs, comment }) => [comment, header === undefined ? undefined : `[${header}]`, ...pairs].filter((line) => line !== undefined).join('\n'))
      .join('\n\n');
    if (!noise) return text;
    const at = noise[0] % (text.length + 1);
    return text.slice(0, at) + noise[1] + text.slice(at);
  });

describe('validateConfigText on arbitrary input', () => {
  it('returns a config or throws a ConfigError for arbitrary ASCII strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void checkValidation(text)), { numRuns: 1000 });
  });

  it('returns a config or throws a ConfigError for arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => void checkValidation(text)), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => void checkValidation(text)), { numRuns: 300 });
  });

  it('returns a config or throws a ConfigError for TOML-ish documents built from the real key names', () => {
    const outcomes = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(tomlishDocument, (text) => {
        outcomes[checkValidation(text)]++;
      }),
      { numRuns: 1000 },
    );
    // The generator must reach the schema, not only the TOML parser.
    expect(outcomes.valid).toBeGreaterThan(0);
  });

  it('places every issue on a line that exists in the document', () => {
    fc.assert(
      fc.property(tomlishDocument, (text) => {
        try {
          validateConfigText(text, 'f', host);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          const lines = text.split('\n').length;
          for (const issue of error.issues) {
            if (issue.line !== null) expect(issue.line).toBeLessThanOrEqual(lines);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('validateConfigText with keys named like Object.prototype members', () => {
  it('gives an ordinary "unknown key" message, not the text of a built-in function', () => {
    for (const [text, where] of [
      ['constructor = 1\n', 'at the top level'],
      ['toString = "x"\n', 'at the top level'],
      ['[defaults]\nhasOwnProperty = true\n', 'in [defaults]'],
      ['[workspaces.web]\nvalueOf = 3\n', 'in [workspaces.web]'],
    ] as const) {
      let caught: unknown;
      try {
        validateConfigText(text, 'f', host);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const message = (caught as ConfigError).issues[0]?.message ?? '';
      expect(message).toContain(where);
      expect(message).not.toMatch(/native code|\[object Object\]|function /);
    }
  });

  it('rejects a workspace named __proto__ instead of dropping it silently', () => {
    // smol-toml keeps "__proto__" as an own key; the workspace must be reported (invalid name), not vanish.
    expect(() => validateConfigText('[workspaces.__proto__]\npaths = ["/srv/x"]\n', 'f', host)).toThrow(ConfigError);
  });

  it('keeps or rejects a secret named __proto__, but does not drop it silently', () => {
    // __proto__ matches the env-name rule, so keeping it is as right as refusing it; losing it is not.
    let config: ReturnType<typeof validateConfigText>['config'] | undefined;
    try {
      config = validateConfigText('[defaults.secrets.env.__proto__]\nfrom_env = "X"\n', 'f', host).config;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return;
    }
    expect(Object.keys(config.defaults?.secrets?.env ?? {})).toEqual(['__proto__']);
  });
});

// ---- (b) set / unset round trips on generated configs ----

const WORKSPACE_NAMES = ['web', 'api', 'docs', 'default', 'my-app', 'x1'] as const;

/** The scalar keys a workspace (or [defaults]) accepts, each with values of its type. */
const SCALARS: Record<string, fc.Arbitrary<TomlValue>> = {
  cpu: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.double({ min: 0.01, max: 256, noNaN: true, noDefaultInfinity: true })),
  memory: fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.constantFrom('', 'k', 'm', 'g', 'K', 'M', 'G')).map(([n, unit]) => `${n}${unit}`),
  image: fc.string({ unit: 'grapheme', maxLength: 40 }),
  dockerfile: fc.oneof(fc.constantFrom('~/d/Dockerfile', 'https://example.com/x.Dockerfile'), fc.string({ maxLength: 30 })),
  build_context: fc.string({ unit: 'binary', maxLength: 30 }),
  ssh_auth_sock: fc.boolean(),
  git_config: fc.boolean(),
  expose_port: fc.boolean(),
  enable_docker: fc.boolean(),
  agent: fc.constantFrom('opencode', 'claude', 'codex', 'gemini', 'shell'),
  egress: fc.constantFrom('open', 'allowlist'),
};
const SCALAR_KEYS = Object.keys(SCALARS);
const DEFAULTS_SCALAR_KEYS = SCALAR_KEYS.filter((key) => key !== 'dockerfile' && key !== 'build_context');

const scalarEntry = (keys: string[]) => fc.constantFrom(...keys).chain((key) => (SCALARS[key] as fc.Arbitrary<TomlValue>).map((value) => [key, value] as const));
const scalarEntries = (keys: string[]) => fc.uniqueArray(scalarEntry(keys), { maxLength: 4, selector: ([key]) => key });

const spacing = fc.constantFrom(' = ', '=', '   =   ', '\t= ');
const trailing = fc.constantFrom('', '', '  # note', ' # a, b = [c]', '#');
const gap = fc.constantFrom('\n', '\n', '\n\n', '\n# between\n', '\n\n# about the next one\n');

/** A literal for a value, sometimes in a TOML form serialize() would not write (literal strings, +ints, floats with zeros). */
function literal(value: TomlValue, variant: number): string {
  if (typeof value === 'string' && variant % 3 === 1 && /^[^'\n\r\u0000-\u001f\u007f]*$/.test(value)) return `'${value}'`;
  if (typeof value === 'number' && Number.isInteger(value) && variant % 3 === 2) return `+${value}`;
  return serialize(value);
}

const pathsArb = fc.array(fc.constantFrom('~/projects/a', '~/projects/b', '/srv/c', '~/w o r k', 'C:\\src'), { maxLength: 3 });

function renderArray(items: string[], style: number, pad: string): string {
  const literals = items.map((item) => serialize(item));
  switch (style % 5) {
    case 0:
      return `[${literals.join(', ')}]`;
    case 1:
      return `[${literals.join(',')},]`.replace('[,]', '[]');
    case 2:
      return `[\n${literals.map((item, i) => `${pad}${item},${i % 2 ? '  # why' : ''}\n`).join('')}]`;
    case 3:
      return literals.length ? `[\n${literals.map((item) => `${pad}${item}`).join(',\n')}  # last\n]` : '[\n]';
    default:
      // Aligned under the first element, the closing bracket on the last element's line.
      return `[${literals.join(`,\n${pad}`)}]`;
  }
}

const workspaceArb = fc.record({
  name: fc.constantFrom(...WORKSPACE_NAMES),
  style: fc.constantFrom('header', 'header', 'dotted', 'inline'),
  paths: pathsArb,
  arrayStyle: fc.nat(),
  scalars: scalarEntries(SCALAR_KEYS),
  secret: fc.boolean(),
  eq: spacing,
  comment: trailing,
  variant: fc.nat(),
});
type GenWorkspace = typeof workspaceArb extends fc.Arbitrary<infer T> ? T : never;

const configArb = fc.record({
  header: fc.constantFrom('', '# Paddock config\n\n', '# a\n# b\n'),
  mode: fc.option(fc.constantFrom('exec', 'remote'), { nil: undefined }),
  defaults: fc.option(fc.record({ scalars: scalarEntries(DEFAULTS_SCALAR_KEYS), eq: spacing, comment: trailing }), { nil: undefined }),
  defaultsLast: fc.boolean(),
  workspaces: fc.uniqueArray(workspaceArb, { minLength: 1, maxLength: 4, selector: (ws) => ws.name }),
  gaps: fc.array(gap, { minLength: 12, maxLength: 12 }),
});
type GenConfig = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

function renderConfig(cfg: GenConfig): string {
  let gapIndex = 0;
  const nextGap = () => cfg.gaps[gapIndex++ % cfg.gaps.length] ?? '\n';
  const out: string[] = [cfg.header];
  if (cfg.mode) out.push(`mode = "${cfg.mode}"   # top-level\n`, nextGap());
  const defaults = () => {
    if (!cfg.defaults) return;
    const { scalars, eq, comment } = cfg.defaults;
    out.push('[defaults]\n', ...scalars.map(([key, value], i) => `${key}${eq}${literal(value, i)}${i === 0 ? comment : ''}\n`), nextGap());
  };
  if (!cfg.defaultsLast) defaults();
  const grouped = cfg.workspaces.filter((ws) => ws.style !== 'header');
  if (grouped.length) {
    out.push('[workspaces]\n');
    for (const ws of grouped) out.push(...renderGrouped(ws));
    out.push(nextGap());
  }
  for (const ws of cfg.workspaces.filter((w) => w.style === 'header')) {
    out.push(`[workspaces.${ws.name}]${ws.variant % 5 === 0 ? '   # header comment' : ''}\n`);
    out.push(`paths${ws.eq}${renderArray(ws.paths, ws.arrayStyle, '  ')}${ws.comment}\n`);
    out.push(...ws.scalars.map(([key, value], i) => `${key}${ws.eq}${literal(value, ws.variant + i)}${i % 2 ? ws.comment : ''}\n`));
    if (ws.secret) out.push(nextGap(), `[workspaces.${ws.name}.secrets.env.TOKEN]\nfrom_env = "TOKEN"   # from the host\n`);
    out.push(nextGap());
  }
  if (cfg.defaultsLast) defaults();
  return out.join('');
}

function renderGrouped(ws: GenWorkspace): string[] {
  if (ws.style === 'inline') {
    const pairs = [`paths = ${renderArray(ws.paths, 0, '')}`, ...ws.scalars.map(([key, value], i) => `${key} = ${literal(value, ws.variant + i)}`)];
    return [`${ws.name} = { ${pairs.join(', ')} }${ws.comment}\n`];
  }
  const lines = [`${ws.name}.paths${ws.eq}${renderArray(ws.paths, ws.arrayStyle, '    ')}${ws.comment}\n`];
  lines.push(...ws.scalars.map(([key, value], i) => `${ws.name}.${key}${ws.eq}${literal(value, ws.variant + i)}\n`));
  if (ws.secret) lines.push(`${ws.name}.secrets.env.TOKEN.from_env = "TOKEN"\n`);
  return lines;
}

type Data = Record<string, unknown>;

function at(data: unknown, keyPath: readonly string[]): unknown {
  return keyPath.reduce<unknown>((node, key) => (node as Data | undefined)?.[key], data);
}

/** A plain deep copy of parsed TOML with `keyPath` set (value) or deleted (undefined). */
function withKey(data: unknown, keyPath: readonly string[], value: TomlValue | undefined): Data {
  const copy = JSON.parse(JSON.stringify(data, (_key, item) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item))) as Data;
  let node = copy;
  for (const key of keyPath.slice(0, -1)) node = (node[key] ??= {}) as Data;
  const last = keyPath.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/**
 * How many non-blank lines of `before` are gone or changed in `after`: the common leading and
 * trailing lines (with their line breaks) are cut off and the non-blank rest of `before` counted.
 * Blank lines do not count: creating a table at the end normalizes the blank lines before it.
 */
function changedLines(before: string, after: string): number {
  return lineDiff(before, after).removed.filter((line) => line.trim() !== '').length;
}

const target = fc.record({
  scope: fc.constantFrom('workspace', 'workspace', 'workspace', 'defaults'),
  pick: fc.nat(),
  key: scalarEntry(SCALAR_KEYS),
  defaultsKey: scalarEntry(DEFAULTS_SCALAR_KEYS),
});

describe('set and unset round trips on generated configs', () => {
  it('the generator writes valid TOML', () => {
    fc.assert(fc.property(configArb, (cfg) => void parseToml(renderConfig(cfg))), { numRuns: 300 });
  });

  it('set of a known scalar key reads back as the value and changes nothing else; unset then removes just that key', () => {
    fc.assert(
      fc.property(configArb, target, (cfg, choice) => {
        const text = renderConfig(cfg);
        const original = parseToml(text);
        const ws = cfg.workspaces[choice.pick % cfg.workspaces.length] as GenWorkspace;
        const [key, value] = choice.scope === 'defaults' ? choice.defaultsKey : choice.key;
        const keyPath = choice.scope === 'defaults' ? ['defaults', key] : ['workspaces', ws.name, key];
        const existed = at(original, keyPath) !== undefined;

        const set = applyEdits(text, [{ op: 'set', path: keyPath, value }]);
        const afterSet = parseToml(set);
        expect(at(afterSet, keyPath)).toEqual(value);
        expect(afterSet).toEqual(withKey(original, keyPath, value));

        // Only the edited place changed.
        const changed = changedLines(text, set);
        expect(changed).toBeLessThanOrEqual(1);
        if (existed && ws.style !== 'inline') {
          const node = new TomlDocument(text).get(keyPath)?.value;
          expect(node).toBeDefined();
          const [start, end] = node?.range ?? [0, 0];
          expect(set).toBe(text.slice(0, start) + serialize(value) + text.slice(end));
        } else if (!existed && !(choice.scope === 'workspace' && ws.style === 'inline')) {
          expect(changed).toBe(0);
        }

        const unset = applyEdits(set, [{ op: 'unset', path: keyPath }]);
        expect(parseToml(unset)).toEqual(withKey(original, keyPath, undefined));
        if (!existed && !(choice.scope === 'workspace' && ws.style === 'inline') && !(choice.scope === 'defaults' && !cfg.defaults)) {
          // A key that was added and removed again leaves the original text.
          expect(unset).toBe(text);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('deleteWorkspace removes exactly that workspace; createWorkspace then deleteWorkspace gives back an equal document', () => {
    fc.assert(
      fc.property(configArb, fc.nat(), fc.constantFrom('fresh', 'new-one', 'z9'), (cfg, pick, fresh) => {
        const text = renderConfig(cfg);
        const original = parseToml(text);
        const ws = cfg.workspaces[pick % cfg.workspaces.length] as GenWorkspace;
        const deleted = applyEdits(text, [{ op: 'deleteWorkspace', name: ws.name }]);
        const expected = withKey(original, ['workspaces', ws.name], undefined);
        // Deleting the last workspace may take the (then empty) [workspaces] table with it.
        if (Object.keys(expected.workspaces as object).length === 0 && at(parseToml(deleted), ['workspaces']) === undefined) delete expected.workspaces;
        expect(parseToml(deleted)).toEqual(expected);

        const created = applyEdits(text, [{ op: 'createWorkspace', name: fresh, values: { paths: ['~/f'], cpu: 1 } }]);
        expect(created.startsWith(text.replace(/\n*$/, ''))).toBe(true);
        expect(parseToml(created)).toEqual(withKey(original, ['workspaces', fresh], { paths: ['~/f'], cpu: 1 }));
        expect(parseToml(applyEdits(created, [{ op: 'deleteWorkspace', name: fresh }]))).toEqual(original);
      }),
      { numRuns: 300 },
    );
  });

  it('add then remove of a path leaves an equal document, and add keeps every other line', () => {
    fc.assert(
      fc.property(configArb, fc.nat(), fc.constantFrom('~/new/one', '/srv/two', '~/projects/a'), (cfg, pick, entry) => {
        const text = renderConfig(cfg);
        const original = parseToml(text);
        const ws = cfg.workspaces[pick % cfg.workspaces.length] as GenWorkspace;
        const keyPath = ['workspaces', ws.name, 'paths'];
        const before = at(original, keyPath) as string[];
        const added = applyEdits(text, [{ op: 'add', path: keyPath, value: entry }]);
        const afterAdd = parseToml(added);
        expect(at(afterAdd, keyPath)).toEqual(before.includes(entry) ? before : [...before, entry]);
        expect(afterAdd).toEqual(withKey(original, keyPath, at(afterAdd, keyPath) as string[]));
        // At most the line of the last element (which may gain a comma) or of an inline table changes.
        if (before.length > 0) expect(changedLines(text, added)).toBeLessThanOrEqual(1);
        if (!before.includes(entry)) {
          const removed = applyEdits(added, [{ op: 'remove', path: keyPath, value: entry }]);
          expect(parseToml(removed)).toEqual(original);
        }
      }),
      { numRuns: 500 },
    );
  });
});
