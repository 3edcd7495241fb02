import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyEdit, applyEdits, ConfigEditError, editConfigFile, serialize, writeFileAtomic, type ConfigEdit, type TomlValue } from '../../core/config/edit.ts';
import { ConfigConflictError, ConfigError } from '../../core/config/errors.ts';
import { loadConfig, nodeHost } from '../../core/config/load.ts';
import { DEFAULT_CONFIG_TEXT } from '../../core/config/template.ts';
import { lineDiff, linesOf } from '../support/text.ts';

// ---- helpers ----

/** The result of replacing `oldLiteral` (which must occur exactly once) by the serialized value. */
function spliced(text: string, oldLiteral: string, value: TomlValue): string {
  const at = text.indexOf(oldLiteral);
  expect(at, `"${oldLiteral}" occurs in the input`).toBeGreaterThanOrEqual(0);
  expect(text.indexOf(oldLiteral, at + 1), `"${oldLiteral}" occurs once in the input`).toBe(-1);
  return text.slice(0, at) + serialize(value) + text.slice(at + oldLiteral.length);
}

function valueAt(text: string, keyPath: ReadonlyArray<string | number>): unknown {
  return keyPath.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], parseToml(text));
}

/** Applies one edit through applyEdits (which also checks that the edit landed) and checks the result parses. */
function edit(text: string, change: ConfigEdit): string {
  const out = applyEdits(text, [change]);
  expect(applyEdit(text, change)).toBe(out);
  expect(() => parseToml(out)).not.toThrow();
  return out;
}

/** Every line of `before` that is not listed in `removedLines` is still in `after`, in order and unchanged. */
function expectLinesKept(before: string, after: string, removedLines: string[] = []): void {
  const kept = linesOf(before).filter((line) => !removedLines.includes(line.replace(/\n$/, '')));
  let cursor = 0;
  const afterLines = linesOf(after);
  for (const line of kept) {
    const found = afterLines.indexOf(line, cursor);
    expect(found, `line ${JSON.stringify(line)} is kept, in order`).toBeGreaterThanOrEqual(0);
    cursor = found + 1;
  }
}

// ---- a realistic config ----

const CONFIG = `# Paddock configuration, hand-edited.
# Reference: docs/configuration.md

mode = "exec"   # no host opencode here

[base]
variant = "full"

[defaults]
# Limits for every workspace.
memory   =   "4g"   # note: 8g on the big box
cpu = 2.0
env = ["EDITOR=vim", "PAGER=less"]    # shell niceties
allowed_hosts = [
  "registry.internal.example.com",   # the team registry
  "git.internal.example.com",
]
allowed_networks = []

# The web app.
[workspaces.web]
paths = ["~/projects/web"]
mounts = [
    "~/.config/opencode:/home/agent/.config/opencode:rw",  # shared agent config
    "~/data:/home/agent/data:ro"  # fixtures
]
enable_docker = true

[workspaces.web.secrets.env.GITHUB_TOKEN]
from_env = "GH_TOKEN"   # from the host shell

[workspaces.web.secrets.file.npmrc]
from_file = "~/.npmrc-agent"

# The API, with its own image.
[workspaces.api]
paths = ["~/projects/api"]    # one path
image = "ghcr.io/example/api:1"
`;

describe('applyEdit: set', () => {
  it('replaces an existing value and nothing else, keeping the odd spacing and the comment', () => {
    const out = edit(CONFIG, { op: 'set', path: ['defaults', 'memory'], value: '8g' });
    expect(out).toBe(spliced(CONFIG, '"4g"', '8g'));
    expect(out).toContain('memory   =   "8g"   # note: 8g on the big box\n');
    expect(valueAt(out, ['defaults', 'memory'])).toBe('8g');
  });

  it('replaces values of every type by splicing exactly the old value', () => {
    const cases: Array<[ConfigEdit & { op: 'set' }, string]> = [
      [{ op: 'set', path: ['defaults', 'cpu'], value: 3.5 }, '2.0'],
      [{ op: 'set', path: ['workspaces', 'web', 'enable_docker'], value: false }, 'true'],
      [{ op: 'set', path: ['mode'], value: 'remote' }, '"exec"'],
      [{ op: 'set', path: ['defaults', 'env'], value: ['EDITOR=nano'] }, '["EDITOR=vim", "PAGER=less"]'],
      [{ op: 'set', path: ['workspaces', 'api', 'paths'], value: ['~/projects/api', '~/projects/api-docs'] }, '["~/projects/api"]'],
      [{ op: 'set', path: ['workspaces', 'web', 'secrets', 'env', 'GITHUB_TOKEN', 'from_env'], value: 'GITHUB_TOKEN' }, '"GH_TOKEN"'],
      [{ op: 'set', path: ['defaults', 'allowed_networks'], value: ['10.0.0.0/8'] }, '[]'],
    ];
    for (const [change, oldLiteral] of cases) {
      const out = edit(CONFIG, change);
      expect(out).toBe(spliced(CONFIG, oldLiteral, change.value));
      expect(valueAt(out, change.path)).toEqual(change.value);
    }
  });

  it('replaces a multi-line array value as a whole, keeping the rest of the file', () => {
    const change: ConfigEdit = { op: 'set', path: ['defaults', 'allowed_hosts'], value: ['a.example.com'] };
    const out = edit(CONFIG, change);
    const start = CONFIG.indexOf('[\n  "registry');
    const end = CONFIG.indexOf(']', start) + 1;
    expect(out).toBe(`${CONFIG.slice(0, start)}["a.example.com"]${CONFIG.slice(end)}`);
  });

  it('replaces an array element by index', () => {
    const out = edit(CONFIG, { op: 'set', path: ['defaults', 'allowed_hosts', 1], value: 'code.example.com' });
    expect(out).toBe(spliced(CONFIG, '"git.internal.example.com"', 'code.example.com'));
  });

  it('inserts a missing key into an existing [workspaces.x] table, after its last key', () => {
    const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'web', 'memory'], value: '16g' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['memory = "16g"\n'] });
    expect(out).toContain('enable_docker = true\nmemory = "16g"\n\n[workspaces.web.secrets.env.GITHUB_TOKEN]');
    expect(valueAt(out, ['workspaces', 'web', 'memory'])).toBe('16g');
  });

  it('inserts after a last key that has a trailing comment, leaving the comment on its line', () => {
    const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'api', 'cpu'], value: 1 });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['cpu = 1\n'] });
    const text = 'mode = "exec"\n\n[workspaces.api]\npaths = ["~/api"]    # one path\n\n# end\n';
    const out2 = edit(text, { op: 'set', path: ['workspaces', 'api', 'cpu'], value: 1 });
    expect(out2).toBe('mode = "exec"\n\n[workspaces.api]\npaths = ["~/api"]    # one path\ncpu = 1\n\n# end\n');
  });

  it('inserts after a last key whose value is a multi-line array with comments', () => {
    const text = '[workspaces.web]\npaths = [\n  "~/a",  # first\n  "~/b",\n]  # end of paths\n\n[workspaces.api]\npaths = []\n';
    const out = edit(text, { op: 'set', path: ['workspaces', 'web', 'cpu'], value: 4 });
    expect(out).toBe('[workspaces.web]\npaths = [\n  "~/a",  # first\n  "~/b",\n]  # end of paths\ncpu = 4\n\n[workspaces.api]\npaths = []\n');
  });

  it('inserts into an empty table right after its header (header comment kept)', () => {
    const text = '[defaults]\ncpu = 1\n\n[workspaces.empty]   # nothing yet\n\n[workspaces.other]\npaths = []\n';
    const out = edit(text, { op: 'set', path: ['workspaces', 'empty', 'paths'], value: ['~/e'] });
    expect(out).toBe('[defaults]\ncpu = 1\n\n[workspaces.empty]   # nothing yet\npaths = ["~/e"]\n\n[workspaces.other]\npaths = []\n');
  });

  it('inserts into a table defined only by dotted keys, as a dotted key next to its siblings', () => {
    const text = '# dotted style\n[workspaces]\nweb.paths = ["~/web"]   # the web app\nweb.cpu = 1\napi.paths = []\n\n[defaults]\nmemory = "2g"\n';
    const out = edit(text, { op: 'set', path: ['workspaces', 'web', 'memory'], value: '1g' });
    expect(lineDiff(text, out)).toEqual({ removed: [], added: ['web.memory = "1g"\n'] });
    expect(out.indexOf('web.memory')).toBeGreaterThan(out.indexOf('web.cpu = 1'));
    expect(out.indexOf('web.memory')).toBeLessThan(out.indexOf('[defaults]'));
    expect(parseToml(out)).toEqual({
      workspaces: { web: { paths: ['~/web'], cpu: 1, memory: '1g' }, api: { paths: [] } },
      defaults: { memory: '2g' },
    });
  });

  it('inserts into a workspace written as top-level dotted keys', () => {
    const text = 'workspaces.web.paths = ["~/web"]\n\n[defaults]\ncpu = 1\n';
    const out = edit(text, { op: 'set', path: ['workspaces', 'web', 'cpu'], value: 2 });
    expect(out).toBe('workspaces.web.paths = ["~/web"]\nworkspaces.web.cpu = 2\n\n[defaults]\ncpu = 1\n');
  });

  it('creates a missing table at the end of the file, after one blank line', () => {
    const text = '[defaults]\ncpu = 1\n\n[workspaces.web]\npaths = []\n';
    const out = edit(text, { op: 'set', path: ['base', 'variant'], value: 'minimal' });
    expect(out).toBe(`${text}\n[base]\nvariant = "minimal"\n`);
    const noNewline = '[defaults]\ncpu = 1';
    expect(edit(noNewline, { op: 'set', path: ['base', 'from'], value: 'debian:12' })).toBe('[defaults]\ncpu = 1\n\n[base]\nfrom = "debian:12"\n');
    expect(edit('', { op: 'set', path: ['defaults', 'cpu'], value: 1 })).toBe('[defaults]\ncpu = 1\n');
  });

  it('creates a missing super-table before its first sub-table (with that sub-table\'s comments)', () => {
    const text = '[base]\nvariant = "full"\n\n# tokens for everyone\n[defaults.secrets.env.TOKEN]\nfrom_env = "TOKEN"\n';
    const out = edit(text, { op: 'set', path: ['defaults', 'memory'], value: '2g' });
    expect(out).toBe('[base]\nvariant = "full"\n\n[defaults]\nmemory = "2g"\n\n# tokens for everyone\n[defaults.secrets.env.TOKEN]\nfrom_env = "TOKEN"\n');
  });

  it('creates a new secret table for a workspace without touching the others', () => {
    const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'api', 'secrets', 'env', 'API_KEY', 'from_env'], value: 'API_KEY' });
    expect(out.startsWith(CONFIG)).toBe(true);
    expect(out.slice(CONFIG.length)).toBe('\n[workspaces.api.secrets.env.API_KEY]\nfrom_env = "API_KEY"\n');
    expect(valueAt(out, ['workspaces', 'api', 'secrets'])).toEqual({ env: { API_KEY: { from_env: 'API_KEY' } } });
  });

  it('adds a second key to an existing secret table', () => {
    const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'web', 'secrets', 'file', 'npmrc', 'from_env'], value: 'NPMRC' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['from_env = "NPMRC"\n'] });
    expect(out).toContain('from_file = "~/.npmrc-agent"\nfrom_env = "NPMRC"\n');
  });

  it('sets inside an inline table: an existing key by splicing, a new key by rewriting only that inline table', () => {
    const text = '# inline secrets\n[workspaces.web]\npaths = []\nsecrets = { env = { A = { from_env = "A" } } }   # keep me\ncpu = 1\n';
    const replaced = edit(text, { op: 'set', path: ['workspaces', 'web', 'secrets', 'env', 'A', 'from_env'], value: 'B' });
    expect(replaced).toBe(text.replace('from_env = "A"', 'from_env = "B"'));
    expect(valueAt(replaced, ['workspaces', 'web', 'secrets', 'env', 'A', 'from_env'])).toBe('B');

    const added = edit(text, { op: 'set', path: ['workspaces', 'web', 'secrets', 'env', 'C', 'from_env'], value: 'C' });
    const diff = lineDiff(text, added);
    expect(diff.removed).toEqual(['secrets = { env = { A = { from_env = "A" } } }   # keep me\n']);
    expect(diff.added).toHaveLength(1);
    expect(diff.added[0]).toMatch(/^secrets = \{.*\}   # keep me\n$/);
    expect(valueAt(added, ['workspaces', 'web', 'secrets'])).toEqual({ env: { A: { from_env: 'A' }, C: { from_env: 'C' } } });
  });

  it('sets a top-level key when the file starts with tables: before the first table and its comments', () => {
    const text = '# Paddock config\n\n# the defaults\n[defaults]\ncpu = 1\n\n[workspaces.web]\npaths = []\n';
    const out = edit(text, { op: 'set', path: ['mode'], value: 'exec' });
    expect(out).toBe('# Paddock config\n\nmode = "exec"\n\n# the defaults\n[defaults]\ncpu = 1\n\n[workspaces.web]\npaths = []\n');
    expect(parseToml(out)).toEqual({ mode: 'exec', defaults: { cpu: 1 }, workspaces: { web: { paths: [] } } });

    const headerFirst = '[defaults]\ncpu = 1\n';
    expect(edit(headerFirst, { op: 'set', path: ['password_mode'], value: 'file' })).toBe('password_mode = "file"\n\n[defaults]\ncpu = 1\n');
  });

  it('sets a top-level key after the existing top-level keys', () => {
    const out = edit(CONFIG, { op: 'set', path: ['password_mode'], value: 'keyring' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['password_mode = "keyring"\n'] });
    expect(out).toContain('mode = "exec"   # no host opencode here\npassword_mode = "keyring"\n\n[base]');
  });

  it('sets a top-level key in the default template, which is still valid TOML afterwards', () => {
    const out = edit(DEFAULT_CONFIG_TEXT, { op: 'set', path: ['mode'], value: 'remote' });
    expect(lineDiff(DEFAULT_CONFIG_TEXT, out).removed).toEqual([]);
    expect(parseToml(out)).toMatchObject({ mode: 'remote', workspaces: { default: { paths: [] } } });
  });

  it('keeps CRLF files parseable and their lines intact', () => {
    const text = '[defaults]\r\ncpu = 1 # c\r\n\r\n[workspaces.a]\r\npaths = []\r\n';
    const out = edit(text, { op: 'set', path: ['defaults', 'memory'], value: '1g' });
    expect(parseToml(out)).toEqual({ defaults: { cpu: 1, memory: '1g' }, workspaces: { a: { paths: [] } } });
    expect(out.startsWith('[defaults]\r\ncpu = 1 # c\r')).toBe(true);
    expect(out.endsWith('\r\n[workspaces.a]\r\npaths = []\r\n')).toBe(true);
  });

  it('serializes strings that need escaping so they read back unchanged', () => {
    const values = ['quote " and backslash \\', 'tab\tnewline\nreturn\r', 'control \u0001 and del \u007f', 'unicode é ✓ 😀', "single ' quote", ''];
    for (const value of values) {
      const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'api', 'image'], value });
      expect(valueAt(out, ['workspaces', 'api', 'image'])).toBe(value);
      expect(lineDiff(CONFIG, out).removed).toEqual(['image = "ghcr.io/example/api:1"\n']);
    }
  });

  it('quotes keys that are not bare keys, so they read back unchanged', () => {
    for (const name of ['has space', 'dot.ted', 'quote"d', 'ünï', 'TAB\tX']) {
      const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'api', 'secrets', 'file', name, 'from_file'], value: '/s' });
      expect(valueAt(out, ['workspaces', 'api', 'secrets', 'file', name, 'from_file'])).toBe('/s');
    }
  });

  it('quotes keys holding DEL (U+007F) with an escape, as it does for values', () => {
    // TOML forbids a raw U+007F in strings and quoted keys; serialize() escapes it in values, keys need the same.
    const name = 'odd\u007fname';
    const out = edit(CONFIG, { op: 'set', path: ['workspaces', 'api', 'secrets', 'file', name, 'from_file'], value: '/s' });
    expect(valueAt(out, ['workspaces', 'api', 'secrets', 'file', name, 'from_file'])).toBe('/s');
  });

  it('writes numbers, booleans and arrays TOML reads back as the same values', () => {
    const values: TomlValue[] = [0, 7, -3, 1.5, 1e21, 2.5e-8, 1e300, true, false, [], [1, 'two', [3]], [[], ['a']]];
    for (const value of values) {
      const out = edit(CONFIG, { op: 'set', path: ['defaults', 'cpu'], value });
      expect(lineDiff(CONFIG, out).removed).toEqual(['cpu = 2.0\n']);
      expect(valueAt(out, ['defaults', 'cpu'])).toEqual(value);
    }
  });

  it('writes whole numbers beyond 2^53 in a form TOML parsers read back (not as an out-of-range integer)', () => {
    for (const value of [2 ** 53 + 2, 1e16, -1e17]) {
      const out = applyEdit(CONFIG, { op: 'set', path: ['defaults', 'cpu'], value });
      expect(() => parseToml(out), serialize(value)).not.toThrow();
      expect(valueAt(out, ['defaults', 'cpu'])).toBe(value);
    }
  });

  it('writes inline tables TOML reads back as the same values', () => {
    const values: TomlValue[] = [{ a: 1, 'b c': ['d'] }, {}, { from_env: 'TOKEN' }];
    for (const value of values) {
      const out = applyEdit(CONFIG, { op: 'set', path: ['defaults', 'cpu'], value });
      expect(lineDiff(CONFIG, out).removed).toEqual(['cpu = 2.0\n']);
      expect(valueAt(out, ['defaults', 'cpu'])).toEqual(value);
    }
  });

  it('applyEdits accepts a table value (its check must not depend on the parser\'s object prototype)', () => {
    const secret = { from_env: 'TOKEN' };
    const out = applyEdits(CONFIG, [{ op: 'set', path: ['workspaces', 'api', 'secrets', 'env', 'TOKEN'], value: secret }]);
    expect(valueAt(out, ['workspaces', 'api', 'secrets', 'env', 'TOKEN'])).toEqual(secret);
    const added = applyEdits('x = []\n', [{ op: 'add', path: ['x'], value: { a: 1 } }]);
    expect(valueAt(added, ['x'])).toEqual([{ a: 1 }]);
  });

  it('refuses to set a table as a value or to set below a scalar', () => {
    expect(() => applyEdit(CONFIG, { op: 'set', path: ['workspaces', 'web'], value: 'x' })).toThrow(ConfigEditError);
    expect(() => applyEdit(CONFIG, { op: 'set', path: ['defaults', 'memory', 'x'], value: 'x' })).toThrow(ConfigEditError);
  });
});

describe('applyEdit: unset', () => {
  it('removes a key with its trailing comment, and only that line', () => {
    const out = edit(CONFIG, { op: 'unset', path: ['defaults', 'memory'] });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: ['memory   =   "4g"   # note: 8g on the big box\n'], added: [] });
    expect(valueAt(out, ['defaults', 'memory'])).toBeUndefined();
    expect(valueAt(out, ['defaults', 'cpu'])).toBe(2);
  });

  it('removes a multi-line array key with the comments on its lines', () => {
    const out = edit(CONFIG, { op: 'unset', path: ['defaults', 'allowed_hosts'] });
    expect(lineDiff(CONFIG, out)).toEqual({
      removed: ['allowed_hosts = [\n', '  "registry.internal.example.com",   # the team registry\n', '  "git.internal.example.com",\n', ']\n'],
      added: [],
    });
  });

  it('removes the last key of a file that has no final newline', () => {
    const text = '[defaults]\ncpu = 1\nmemory   =   "4g"   # note';
    expect(edit(text, { op: 'unset', path: ['defaults', 'memory'] })).toBe('[defaults]\ncpu = 1\n');
  });

  it('removes a key separated by blank lines without leaving a double blank line', () => {
    const text = '[defaults]\ncpu = 1\n\nmemory = "4g"\n\n[workspaces.a]\npaths = []\n';
    expect(edit(text, { op: 'unset', path: ['defaults', 'memory'] })).toBe('[defaults]\ncpu = 1\n\n[workspaces.a]\npaths = []\n');
  });

  it('removes a whole secret table', () => {
    const out = edit(CONFIG, { op: 'unset', path: ['workspaces', 'web', 'secrets', 'env', 'GITHUB_TOKEN'] });
    expect(lineDiff(CONFIG, out)).toEqual({
      removed: ['[workspaces.web.secrets.env.GITHUB_TOKEN]\n', 'from_env = "GH_TOKEN"   # from the host shell\n', '\n'],
      added: [],
    });
    expect(valueAt(out, ['workspaces', 'web', 'secrets'])).toEqual({ file: { npmrc: { from_file: '~/.npmrc-agent' } } });
  });

  it('removes a whole workspace with its [workspaces.x.secrets.*] sub-tables and its own comment', () => {
    const out = edit(CONFIG, { op: 'unset', path: ['workspaces', 'web'] });
    const start = CONFIG.indexOf('# The web app.');
    const end = CONFIG.indexOf('# The API');
    expect(out).toBe(CONFIG.slice(0, start) + CONFIG.slice(end));
    expect(Object.keys(valueAt(out, ['workspaces']) as object)).toEqual(['api']);
  });

  it('removes a key of an inline table by rewriting only that inline table', () => {
    const text = '[workspaces.web]\npaths = []\nsecrets = { env = { A = { from_env = "A" }, B = { from_env = "B" } } }  # two\ncpu = 1\n';
    const out = edit(text, { op: 'unset', path: ['workspaces', 'web', 'secrets', 'env', 'A'] });
    const diff = lineDiff(text, out);
    expect(diff.removed).toHaveLength(1);
    expect(diff.added).toHaveLength(1);
    expect(diff.added[0]).toMatch(/  # two\n$/);
    expect(valueAt(out, ['workspaces', 'web', 'secrets'])).toEqual({ env: { B: { from_env: 'B' } } });
  });

  it('removes an array element by index (applyEdits accepts it)', () => {
    const text = 'env = ["A=1", "B=2"]   # two\n';
    const out = applyEdit(text, { op: 'unset', path: ['env', 0] });
    expect(out).toBe('env = ["B=2"]   # two\n');
    // applyEdits verifies each edit; after removing element 0 another element moves into index 0.
    expect(applyEdits(text, [{ op: 'unset', path: ['env', 0] }])).toBe('env = ["B=2"]   # two\n');
  });

  it('leaves the text as is when the key does not exist', () => {
    expect(edit(CONFIG, { op: 'unset', path: ['defaults', 'image'] })).toBe(CONFIG);
    expect(edit(CONFIG, { op: 'unset', path: ['workspaces', 'nope', 'cpu'] })).toBe(CONFIG);
  });
});

describe('applyEdit: add and remove', () => {
  it('adds to a single-line array, before the closing bracket', () => {
    const out = edit(CONFIG, { op: 'add', path: ['defaults', 'env'], value: 'LANG=C.UTF-8' });
    expect(out).toBe(CONFIG.replace('"PAGER=less"]', '"PAGER=less", "LANG=C.UTF-8"]'));
    expect(valueAt(out, ['defaults', 'env'])).toEqual(['EDITOR=vim', 'PAGER=less', 'LANG=C.UTF-8']);
  });

  it('adds to a single-line array with a trailing comma', () => {
    const text = 'env = ["A=1", "B=2",]  # c\n';
    const out = edit(text, { op: 'add', path: ['env'], value: 'C=3' });
    expect(valueAt(out, ['env'])).toEqual(['A=1', 'B=2', 'C=3']);
    expect(out).toMatch(/  # c\n$/);
  });

  it('adds to a multi-line array with a trailing comma: one new line, same indent, same comma style', () => {
    const out = edit(CONFIG, { op: 'add', path: ['defaults', 'allowed_hosts'], value: 'cache.example.com' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['  "cache.example.com",\n'] });
  });

  it('adds to a multi-line array without a trailing comma, keeping the comments on element lines', () => {
    const out = edit(CONFIG, { op: 'add', path: ['workspaces', 'web', 'mounts'], value: '~/cache:/home/agent/cache:rw' });
    expect(lineDiff(CONFIG, out)).toEqual({
      removed: ['    "~/data:/home/agent/data:ro"  # fixtures\n'],
      added: ['    "~/data:/home/agent/data:ro",  # fixtures\n', '    "~/cache:/home/agent/cache:rw"\n'],
    });
    expect(valueAt(out, ['workspaces', 'web', 'mounts'])).toHaveLength(3);
  });

  it('adds after a last element whose comment contains a comma', () => {
    const text = 'env = [\n  "A=1",\n  "B=2" # two, three\n]\n';
    const out = edit(text, { op: 'add', path: ['env'], value: 'C=3' });
    expect(out).toBe('env = [\n  "A=1",\n  "B=2", # two, three\n  "C=3"\n]\n');
  });

  it('adds to a multi-line array whose closing bracket is on the last element\'s line', () => {
    const text = '[defaults]\nenv = ["A=1",\n       "B=2"]   # aligned\ncpu = 1\n';
    const out = applyEdit(text, { op: 'add', path: ['defaults', 'env'], value: 'C=3' });
    expect(() => parseToml(out)).not.toThrow();
    expect(valueAt(out, ['defaults', 'env'])).toEqual(['A=1', 'B=2', 'C=3']);
    expectLinesKept(text, out, ['       "B=2"]   # aligned']);
  });

  it('adds to an empty array', () => {
    const out = edit(CONFIG, { op: 'add', path: ['defaults', 'allowed_networks'], value: '10.1.0.0/16' });
    expect(out).toBe(CONFIG.replace('allowed_networks = []\n', 'allowed_networks = ["10.1.0.0/16"]\n'));
  });

  it('adds to an empty multi-line array without losing the comment inside it', () => {
    const text = '[workspaces.web]\npaths = [\n  # "~/old/project",\n]\ncpu = 1\n';
    const out = edit(text, { op: 'add', path: ['workspaces', 'web', 'paths'], value: '~/new' });
    expect(valueAt(out, ['workspaces', 'web', 'paths'])).toEqual(['~/new']);
    expect(out).toContain('# "~/old/project",');
  });

  it('adds a missing array as a new key', () => {
    const out = edit(CONFIG, { op: 'add', path: ['workspaces', 'api', 'env'], value: 'X=1' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: [], added: ['env = ["X=1"]\n'] });
  });

  it('adding a value that is already there changes nothing', () => {
    expect(edit(CONFIG, { op: 'add', path: ['defaults', 'env'], value: 'PAGER=less' })).toBe(CONFIG);
    expect(edit(CONFIG, { op: 'add', path: ['defaults', 'allowed_hosts'], value: 'git.internal.example.com' })).toBe(CONFIG);
  });

  it('refuses to add to or remove from something that is not a list', () => {
    expect(() => applyEdit(CONFIG, { op: 'add', path: ['defaults', 'memory'], value: 'x' })).toThrow(ConfigEditError);
    expect(() => applyEdit(CONFIG, { op: 'remove', path: ['defaults', 'cpu'], value: 2 })).toThrow(ConfigEditError);
  });

  it('removes the first, middle and last element of a single-line array', () => {
    const text = 'env = ["A=1", "B=2", "C=3"]   # three\n';
    expect(edit(text, { op: 'remove', path: ['env'], value: 'A=1' })).toBe('env = ["B=2", "C=3"]   # three\n');
    expect(edit(text, { op: 'remove', path: ['env'], value: 'B=2' })).toBe('env = ["A=1", "C=3"]   # three\n');
    expect(edit(text, { op: 'remove', path: ['env'], value: 'C=3' })).toBe('env = ["A=1", "B=2"]   # three\n');
  });

  it('removes from a single-line array with a trailing comma', () => {
    const text = 'env = ["A=1", "B=2",]\n';
    const out = edit(text, { op: 'remove', path: ['env'], value: 'B=2' });
    expect(valueAt(out, ['env'])).toEqual(['A=1']);
  });

  it('removes a multi-line element with its line and its comment, and only that line', () => {
    const out = edit(CONFIG, { op: 'remove', path: ['defaults', 'allowed_hosts'], value: 'registry.internal.example.com' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: ['  "registry.internal.example.com",   # the team registry\n'], added: [] });
  });

  it('removes the last element of a multi-line array without a trailing comma', () => {
    const out = edit(CONFIG, { op: 'remove', path: ['workspaces', 'web', 'mounts'], value: '~/data:/home/agent/data:ro' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: ['    "~/data:/home/agent/data:ro"  # fixtures\n'], added: [] });
    expect(valueAt(out, ['workspaces', 'web', 'mounts'])).toEqual(['~/.config/opencode:/home/agent/.config/opencode:rw']);
  });

  it('removes the first element of a multi-line array without a trailing comma', () => {
    const out = edit(CONFIG, { op: 'remove', path: ['workspaces', 'web', 'mounts'], value: '~/.config/opencode:/home/agent/.config/opencode:rw' });
    expect(lineDiff(CONFIG, out)).toEqual({ removed: ['    "~/.config/opencode:/home/agent/.config/opencode:rw",  # shared agent config\n'], added: [] });
  });

  it('removes every copy of a duplicated value', () => {
    const text = 'env = ["A", "B", "A"]\nx = [\n  "A",\n  "A",  # again\n  "C",\n]\n';
    const once = edit(text, { op: 'remove', path: ['env'], value: 'A' });
    expect(once).toBe('env = ["B"]\nx = [\n  "A",\n  "A",  # again\n  "C",\n]\n');
    expect(edit(once, { op: 'remove', path: ['x'], value: 'A' })).toBe('env = ["B"]\nx = [\n  "C",\n]\n');
  });

  it('removes the only element of a single-line array, leaving an empty array', () => {
    const out = edit(CONFIG, { op: 'remove', path: ['workspaces', 'api', 'paths'], value: '~/projects/api' });
    expect(out).toBe(CONFIG.replace('paths = ["~/projects/api"]    # one path', 'paths = []    # one path'));
  });

  it('removes the only element of a multi-line array, keeping the comment lines inside it', () => {
    const text = '[defaults]\nenv = [\n  # the editor the agent uses\n  "EDITOR=vim",  # vim!\n]\ncpu = 1\n';
    const out = edit(text, { op: 'remove', path: ['defaults', 'env'], value: 'EDITOR=vim' });
    expect(valueAt(out, ['defaults', 'env'])).toEqual([]);
    expect(out).toContain('  # the editor the agent uses\n');
    expectLinesKept(text, out, ['  "EDITOR=vim",  # vim!']);
  });

  it('removing a value that is not there, or from a missing key, changes nothing', () => {
    expect(edit(CONFIG, { op: 'remove', path: ['defaults', 'env'], value: 'NOPE=1' })).toBe(CONFIG);
    expect(edit(CONFIG, { op: 'remove', path: ['workspaces', 'api', 'mounts'], value: 'x' })).toBe(CONFIG);
  });

  it('adds and removes non-string values (deep equality)', () => {
    const text = 'x = [[1, 2], { a = 1 }]\n';
    expect(edit(text, { op: 'add', path: ['x'], value: [1, 2] })).toBe(text);
    expect(valueAt(edit(text, { op: 'remove', path: ['x'], value: { a: 1 } }), ['x'])).toEqual([[1, 2]]);
  });
});

describe('applyEdit: createWorkspace and deleteWorkspace', () => {
  it('appends a new workspace after one blank line, leaving the file before it untouched', () => {
    const out = edit(CONFIG, { op: 'createWorkspace', name: 'docs', values: { paths: ['~/projects/docs'], memory: '1g' } });
    expect(out).toBe(`${CONFIG}\n[workspaces.docs]\npaths = ["~/projects/docs"]\nmemory = "1g"\n`);
  });

  it('writes paths = [] when no values are given, and normalizes trailing blank lines only', () => {
    expect(edit('[defaults]\ncpu = 1\n\n\n\n', { op: 'createWorkspace', name: 'new' })).toBe('[defaults]\ncpu = 1\n\n[workspaces.new]\npaths = []\n');
    expect(edit('', { op: 'createWorkspace', name: 'first' })).toBe('[workspaces.first]\npaths = []\n');
    expect(edit('# only a comment', { op: 'createWorkspace', name: 'a1' })).toBe('# only a comment\n\n[workspaces.a1]\npaths = []\n');
  });

  it('creates a workspace in the default template', () => {
    const out = edit(DEFAULT_CONFIG_TEXT, { op: 'createWorkspace', name: 'web', values: { paths: ['~/web'] } });
    expect(out.startsWith(DEFAULT_CONFIG_TEXT)).toBe(true);
    expect(valueAt(out, ['workspaces', 'web'])).toEqual({ paths: ['~/web'] });
  });

  it('refuses invalid and existing names', () => {
    expect(() => applyEdit(CONFIG, { op: 'createWorkspace', name: 'Web' })).toThrow(ConfigEditError);
    expect(() => applyEdit(CONFIG, { op: 'createWorkspace', name: 'my project' })).toThrow(ConfigEditError);
    expect(() => applyEdit(CONFIG, { op: 'createWorkspace', name: 'web' })).toThrow(/already exists/);
  });

  it('deletes a workspace in the middle: its comment, header, keys and sub-tables, nothing else', () => {
    const out = edit(CONFIG, { op: 'deleteWorkspace', name: 'web' });
    const start = CONFIG.indexOf('# The web app.');
    const end = CONFIG.indexOf('# The API');
    expect(out).toBe(CONFIG.slice(0, start) + CONFIG.slice(end));
  });

  it('deletes the last workspace', () => {
    const out = edit(CONFIG, { op: 'deleteWorkspace', name: 'api' });
    expect(CONFIG.startsWith(out.replace(/\n+$/, '\n'))).toBe(true);
    expect(out).toContain('from_file = "~/.npmrc-agent"\n');
    expect(Object.keys(valueAt(out, ['workspaces']) as object)).toEqual(['web']);
  });

  it('deletes a workspace whose sub-tables come after other workspaces', () => {
    const text = '[workspaces.a]\npaths = []\n\n[workspaces.b]\npaths = ["~/b"]\n\n[workspaces.a.secrets.env.TOKEN]\nfrom_env = "T"\n\n[workspaces.c]\npaths = []\n';
    expect(edit(text, { op: 'deleteWorkspace', name: 'a' })).toBe('[workspaces.b]\npaths = ["~/b"]\n\n[workspaces.c]\npaths = []\n');
  });

  it('deletes workspaces written with dotted keys or as an inline table', () => {
    const text = '[workspaces]\nweb.paths = ["~/web"]  # web\nweb.cpu = 1\napi = { paths = ["~/api"] }  # api\ndocs.paths = []\n';
    const noWeb = edit(text, { op: 'deleteWorkspace', name: 'web' });
    expect(noWeb).toBe('[workspaces]\napi = { paths = ["~/api"] }  # api\ndocs.paths = []\n');
    expect(edit(noWeb, { op: 'deleteWorkspace', name: 'api' })).toBe('[workspaces]\ndocs.paths = []\n');
  });

  it('deletes a workspace that only exists through its sub-tables', () => {
    const text = '[workspaces.web]\npaths = []\n\n# only a secret\n[workspaces.ghost.secrets.env.TOKEN]\nfrom_env = "T"\n';
    // (A blank line left at the end of the file after deleting the last table is tolerated.)
    expect(edit(text, { op: 'deleteWorkspace', name: 'ghost' }).replace(/\n+$/, '\n')).toBe('[workspaces.web]\npaths = []\n');
  });

  it('refuses to delete a workspace that does not exist', () => {
    expect(() => applyEdit(CONFIG, { op: 'deleteWorkspace', name: 'nope' })).toThrow(ConfigEditError);
  });
});

describe('applyEdits', () => {
  it('applies edits in order, each on the previous result', () => {
    const out = applyEdits(CONFIG, [
      { op: 'createWorkspace', name: 'docs' },
      { op: 'add', path: ['workspaces', 'docs', 'paths'], value: '~/docs' },
      { op: 'set', path: ['workspaces', 'docs', 'cpu'], value: 1 },
      { op: 'unset', path: ['defaults', 'memory'] },
      { op: 'deleteWorkspace', name: 'api' },
    ]);
    const data = parseToml(out) as Record<string, Record<string, unknown>>;
    expect(data.workspaces).toEqual({
      web: expect.objectContaining({ paths: ['~/projects/web'] }),
      docs: { paths: ['~/docs'], cpu: 1 },
    });
    expect(data.defaults?.memory).toBeUndefined();
    expect(out).toContain('# The web app.\n[workspaces.web]\n');
  });

  it('returns the text unchanged for no edits', () => {
    expect(applyEdits(CONFIG, [])).toBe(CONFIG);
  });
});

// ---- the file on disk ----

describe('editConfigFile and writeFileAtomic', () => {
  let dir: string;
  let home: string;
  let file: string;
  const FILE_TEXT = `# my paddock config
[defaults]
memory = "4g"   # keep this comment

[workspaces.web]
paths = []
`;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-edit-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
    file = path.join(dir, 'config', 'config.toml');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, FILE_TEXT);
    fs.chmodSync(file, 0o640);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const host = () => nodeHost(home);
  const siblings = () => fs.readdirSync(path.dirname(file)).sort();

  it('writes the edit atomically (a new inode by rename), keeps the mode and leaves no temp file', () => {
    const loaded = loadConfig(file, { host: host(), create: false });
    const inode = fs.statSync(file).ino;
    const result = editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'memory'], value: '8g' }], host());
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toBe(FILE_TEXT.replace('"4g"', '"8g"'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.statSync(file).ino).not.toBe(inode);
    expect(siblings()).toEqual(['config.toml']);
    expect(result).toMatchObject({ file, text: written, created: false });
    expect(result.config.defaults?.memory).toBe('8g');
  });

  it('keeps other modes too (0600, 0644)', () => {
    for (const mode of [0o600, 0o644]) {
      fs.chmodSync(file, mode);
      const loaded = loadConfig(file, { host: host(), create: false });
      editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'cpu'], value: mode === 0o600 ? 1 : 2 }], host());
      expect(fs.statSync(file).mode & 0o777).toBe(mode);
    }
  });

  it('can chain edits from the returned LoadedConfig', () => {
    const first = editConfigFile(loadConfig(file, { host: host(), create: false }), [{ op: 'createWorkspace', name: 'api' }], host());
    const second = editConfigFile(first, [{ op: 'add', path: ['workspaces', 'api', 'paths'], value: '/srv/api' }], host());
    expect(fs.readFileSync(file, 'utf8')).toBe(second.text);
    expect(second.config.workspaces?.api?.paths).toEqual(['/srv/api']);
    expect(second.text.startsWith(FILE_TEXT)).toBe(true);
  });

  it('refuses with ConfigConflictError when the file changed on disk after loading, and leaves it as changed', () => {
    const loaded = loadConfig(file, { host: host(), create: false });
    const theirs = `${FILE_TEXT}# edited in another window\n`;
    fs.writeFileSync(file, theirs);
    expect(() => editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'memory'], value: '8g' }], host())).toThrow(ConfigConflictError);
    expect(fs.readFileSync(file, 'utf8')).toBe(theirs);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(siblings()).toEqual(['config.toml']);
  });

  it('refuses with ConfigConflictError when the file was deleted after loading, and does not recreate it', () => {
    const loaded = loadConfig(file, { host: host(), create: false });
    fs.rmSync(file);
    expect(() => editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'memory'], value: '8g' }], host())).toThrow(ConfigConflictError);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses with ConfigError, writing nothing, when the edit would make the config invalid', () => {
    const loaded = loadConfig(file, { host: host(), create: false });
    const before = fs.statSync(file);
    let caught: unknown;
    try {
      editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'memory'], value: 'lots' }], host());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issue = (caught as ConfigError).issues[0];
    expect(issue).toMatchObject({ path: 'defaults.memory', line: 3 });
    expect(issue?.message).toContain('"lots"');
    expect(fs.readFileSync(file, 'utf8')).toBe(FILE_TEXT);
    expect(fs.statSync(file).ino).toBe(before.ino);
    expect(fs.statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(siblings()).toEqual(['config.toml']);
  });

  it('refuses other invalid edits too: forbidden paths, unknown keys, bad workspace names', () => {
    const loaded = loadConfig(file, { host: host(), create: false });
    const invalid: ConfigEdit[][] = [
      [{ op: 'add', path: ['workspaces', 'web', 'paths'], value: '~/.ssh' }],
      [{ op: 'set', path: ['defaults', 'colour'], value: 'blue' }],
      [{ op: 'set', path: ['workspaces', 'web', 'image'], value: 'ubuntu:24.04' }, { op: 'set', path: ['workspaces', 'web', 'dockerfile'], value: '/x/Dockerfile' }],
      [{ op: 'set', path: ['workspaces', 'Bad_Name', 'paths'], value: [] }],
    ];
    for (const edits of invalid) {
      expect(() => editConfigFile(loaded, edits, host())).toThrow(ConfigError);
      expect(fs.readFileSync(file, 'utf8')).toBe(FILE_TEXT);
    }
  });

  it('writeFileAtomic creates a missing file 0600 in a new folder', () => {
    const target = path.join(dir, 'new', 'deeper', 'config.toml');
    writeFileAtomic(target, 'a = 1\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('a = 1\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });

  it('writeFileAtomic with an expected text refuses when the file is missing or different', () => {
    expect(() => writeFileAtomic(path.join(dir, 'missing.toml'), 'x', 'y')).toThrow(ConfigConflictError);
    expect(fs.existsSync(path.join(dir, 'missing.toml'))).toBe(false);
    expect(() => writeFileAtomic(file, 'x', 'not what is there')).toThrow(ConfigConflictError);
    expect(fs.readFileSync(file, 'utf8')).toBe(FILE_TEXT);
    writeFileAtomic(file, 'x = 1\n', FILE_TEXT);
    expect(fs.readFileSync(file, 'utf8')).toBe('x = 1\n');
  });

  it('writes through a symlinked config to its target, and the link stays a link', () => {
    const real = path.join(dir, 'dotfiles', 'paddock.toml');
    fs.mkdirSync(path.dirname(real));
    fs.renameSync(file, real);
    fs.symlinkSync(real, file);
    const loaded = loadConfig(file, { host: host(), create: false });
    editConfigFile(loaded, [{ op: 'set', path: ['defaults', 'memory'], value: '8g' }], host());
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toContain('memory = "8g"   # keep this comment');
  });
});

describe('line endings and numbers', () => {
  it('inserts lines with the file\'s own CRLF line breaks', () => {
    const before = '[workspaces.web]\r\npaths = []\r\n';
    const after = edit(before, { op: 'set', path: ['workspaces', 'web', 'memory'], value: '2g' });
    expect(after).toBe('[workspaces.web]\r\npaths = []\r\nmemory = "2g"\r\n');
  });

  it('writes negative zero so that it reads back', () => {
    expect(serialize(-0)).toBe('-0.0');
    expect(valueAt(edit('[defaults]\n', { op: 'set', path: ['defaults', 'cpu'], value: -0 }), ['defaults', 'cpu'])).toBe(-0);
  });
});
