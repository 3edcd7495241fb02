import os from 'node:os';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { ConfigIssue, TomlValue } from '../../core/api/contract.ts';
import { applyEdits } from '../../core/config/edit.ts';
import { nodeHost } from '../../core/config/load.ts';
import { configSchema, knownKeysAt } from '../../core/config/schema.ts';
import { baseGroup, topLevelGroup, workspaceGroups, type FieldSpec } from '../../renderer/config/fields.ts';
import { editsFor, issueIndex, issuesAt, listRows, rebaseDraft, rowId, secretRows, valueAt, type Draft, type KeyPath } from '../../renderer/config/form-model.ts';

const keys = (groups: { fields: FieldSpec[] }[]) => groups.flatMap((group) => group.fields.map((field) => field.key)).sort();
const field = (key: string, groups = workspaceGroups({ forDefaults: false })) => groups.flatMap((group) => group.fields).find((candidate) => candidate.key === key) as FieldSpec;

/** Applies the form's edits to TOML text with the config engine's own editor. */
function edit(text: string, path: KeyPath, draft: Draft, spec = field(path.at(-1) as string)) {
  const data = parse(text) as Record<string, TomlValue>;
  const edits = editsFor(spec, path, valueAt(data, path), draft);
  const after = applyEdits(text, edits);
  return { edits, text: after, value: valueAt(parse(after) as Record<string, TomlValue>, path) };
}

describe('the config form covers the config', () => {
  const schema = configSchema(nodeHost(os.homedir()));

  it('has a field for every key of a workspace, of [defaults], of [base] and of the top level', () => {
    expect(keys(workspaceGroups({ forDefaults: false }))).toEqual(knownKeysAt(schema, ['workspaces', 'any']).sort());
    expect(keys(workspaceGroups({ forDefaults: true }))).toEqual(knownKeysAt(schema, ['defaults']).sort());
    expect(keys([baseGroup])).toEqual(knownKeysAt(schema, ['base']).sort());
    expect(keys([topLevelGroup])).toEqual(knownKeysAt(schema, []).filter((key) => !['base', 'defaults', 'workspaces'].includes(key)).sort());
  });
});

describe('form drafts become comment-preserving edits', () => {
  const text = [
    '# my config',
    '[defaults]',
    'memory = "2g" # small machine',
    '',
    '[workspaces.web]',
    '# the web app',
    'paths = ["~/web"]',
    'env = [',
    '  "A=1", # first',
    '  "B=2", # second',
    '  "C=3", # third',
    ']',
    'cpu = 2 # cores',
    '',
    '[workspaces.web.secrets.env.TOKEN]',
    'from_env = "HOST_TOKEN" # from my shell',
    '',
  ].join('\n');

  it('sets, changes and unsets a scalar, and does nothing when the value did not change', () => {
    const memory = edit(text, ['workspaces', 'web', 'memory'], { type: 'scalar', value: '768m' });
    expect(memory.edits).toEqual([{ op: 'set', path: ['workspaces', 'web', 'memory'], value: '768m' }]);
    expect(memory.text).toContain('# the web app');
    expect(memory.value).toBe('768m');
    const cpu = edit(text, ['workspaces', 'web', 'cpu'], { type: 'scalar', value: '1.5' });
    expect(cpu.value).toBe(1.5);
    expect(cpu.text).toContain('cpu = 1.5 # cores');
    expect(edit(text, ['workspaces', 'web', 'cpu'], { type: 'scalar', value: '2' }).edits).toEqual([]);
    expect(edit(text, ['workspaces', 'web', 'cpu'], { type: 'scalar', value: '' }).edits).toEqual([{ op: 'unset', path: ['workspaces', 'web', 'cpu'] }]);
    expect(edit(text, ['workspaces', 'web', 'memory'], { type: 'unset' }).edits).toEqual([]);
    expect(edit(text, ['workspaces', 'web', 'git_config'], { type: 'scalar', value: false }).value).toBe(false);
  });

  it('keeps text the engine will explain: a number field holding words stays words', () => {
    expect(edit(text, ['workspaces', 'web', 'port'], { type: 'scalar', value: 'eighty' }).edits).toEqual([{ op: 'set', path: ['workspaces', 'web', 'port'], value: 'eighty' }]);
  });

  it('changes, removes and adds list items one by one, so the other items keep their comments', () => {
    const rows = listRows(valueAt(parse(text) as Record<string, TomlValue>, ['workspaces', 'web', 'env']));
    const draft: Draft = {
      type: 'list',
      replace: false,
      rows: [rows[0]!, { ...rows[2]!, value: 'C=30' }, { id: rowId(), origin: null, value: 'D=4' }, { id: rowId(), origin: null, value: '  ' }],
    };
    const result = edit(text, ['workspaces', 'web', 'env'], draft);
    expect(result.value).toEqual(['A=1', 'C=30', 'D=4']);
    expect(result.text).toContain('"A=1", # first');
    expect(result.text).toContain('"C=30", # third');
    expect(result.text).not.toContain('# second');
    expect(result.text).toContain('# my config');
  });

  it('writes a new list whole, and a rebased list (after a reload) whole too', () => {
    const added = edit(text, ['workspaces', 'web', 'mounts'], { type: 'list', replace: false, rows: [{ id: rowId(), origin: null, value: '~/data:/data:ro' }] });
    expect(added.value).toEqual(['~/data:/data:ro']);
    const rows = listRows(['A=1', 'B=2', 'C=3']);
    const rebased = rebaseDraft({ type: 'list', replace: false, rows: rows.slice(1) });
    expect(rebased).toMatchObject({ replace: true, rows: [{ origin: null }, { origin: null }] });
    expect(edit(text, ['workspaces', 'web', 'env'], rebased).edits).toEqual([{ op: 'set', path: ['workspaces', 'web', 'env'], value: ['B=2', 'C=3'] }]);
  });

  it('adds, changes and removes secrets key by key', () => {
    const path: KeyPath = ['workspaces', 'web', 'secrets'];
    const baseline = valueAt(parse(text) as Record<string, TomlValue>, path);
    const [token] = secretRows(baseline);
    expect(token).toMatchObject({ kind: 'env', name: 'TOKEN', source: 'from_env', value: 'HOST_TOKEN' });
    const changed = edit(text, path, {
      type: 'secrets',
      rows: [
        { ...token!, source: 'from_file', value: '~/.token' },
        { id: rowId(), origin: null, kind: 'file', name: 'npmrc', source: 'from_file', value: '~/.npmrc' },
      ],
    });
    expect(changed.value).toEqual({ env: { TOKEN: { from_file: '~/.token' } }, file: { npmrc: { from_file: '~/.npmrc' } } });
    expect(changed.text).toContain('# the web app');
    const removed = edit(text, path, { type: 'secrets', rows: [] });
    expect(removed.edits).toEqual([{ op: 'unset', path: [...path, 'env', 'TOKEN'] }]);
    expect(removed.text).not.toContain('HOST_TOKEN');
    const renamed = edit(text, path, { type: 'secrets', rows: [{ ...token!, name: 'API_TOKEN' }] });
    expect(renamed.value).toEqual({ env: { API_TOKEN: { from_env: 'HOST_TOKEN' } } });
  });
});

describe('config problems find their field', () => {
  const issue = (keyPath: string | null): ConfigIssue => ({ severity: 'error', file: 'f', keyPath, line: 1, column: 1, message: keyPath ?? 'file' });

  it('matches the key, its elements and its sub-keys, and nothing that merely starts the same', () => {
    const issues = [issue('workspaces.web.env[1]'), issue('workspaces.web.env_file[0]'), issue('workspaces.web.secrets.env.TOKEN.from_env'), issue('workspaces.webapp.env'), issue(null)];
    expect(issuesAt(issues, ['workspaces', 'web', 'env']).map((found) => found.keyPath)).toEqual(['workspaces.web.env[1]']);
    expect(issuesAt(issues, ['workspaces', 'web', 'secrets']).map((found) => found.keyPath)).toEqual(['workspaces.web.secrets.env.TOKEN.from_env']);
    expect(issueIndex(issues[0]!, ['workspaces', 'web', 'env'])).toBe(1);
    expect(issueIndex(issue('workspaces.web.env'), ['workspaces', 'web', 'env'])).toBeNull();
  });
});
