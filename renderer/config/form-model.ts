import type { ConfigEdit, ConfigIssue, TomlValue } from '../../core/api/contract.ts';
import type { FieldSpec } from './fields.ts';

/**
 * The config form's model, kept apart from React so it can be tested: what the user changed
 * (drafts), the comment-preserving edits that carry those changes to the file, and which of the
 * config engine's problems belong to which field.
 */
export type KeyPath = Array<string | number>;

export interface ListRow {
  /** Stable across renders, for React keys and focus. */
  id: number;
  /** Its index in the file's list; null for a row added here. */
  origin: number | null;
  value: string;
}

export type SecretKind = 'env' | 'file';
export type SecretSource = 'from_env' | 'from_file';

export interface SecretRow {
  id: number;
  /** The secret as the file has it; null for one added here. */
  origin: { kind: SecretKind; name: string; source: SecretSource | null } | null;
  kind: SecretKind;
  name: string;
  source: SecretSource;
  value: string;
}

export type Draft =
  | { type: 'unset' }
  | { type: 'scalar'; value: string | boolean }
  /** `replace`: write the whole list (after a reload, when the rows' places in the file are unknown). */
  | { type: 'list'; rows: ListRow[]; replace: boolean }
  | { type: 'secrets'; rows: SecretRow[] };

let nextRowId = 1;
export function rowId(): number {
  return nextRowId++;
}

function isTable(value: unknown): value is Record<string, TomlValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(data: Record<string, TomlValue> | null | undefined, path: KeyPath): TomlValue | undefined {
  let current: TomlValue | undefined = data ?? undefined;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isTable(current) && typeof key === 'string') current = current[key];
    else return undefined;
  }
  return current;
}

/** As core/config/errors.ts formats key paths, so the engine's issue paths can be matched. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return out;
}

/** The issues about this key or anything inside it (`mounts[1]`, `secrets.env.TOKEN.from_env`). */
export function issuesAt(issues: readonly ConfigIssue[], path: KeyPath): ConfigIssue[] {
  const prefix = formatKeyPath(path);
  return issues.filter((issue) => issue.keyPath !== null && (issue.keyPath === prefix || issue.keyPath.startsWith(`${prefix}.`) || issue.keyPath.startsWith(`${prefix}[`)));
}

/** The list element an issue points at (`env[2]` → 2), for marking the row. */
export function issueIndex(issue: ConfigIssue, path: KeyPath): number | null {
  const match = issue.keyPath?.slice(formatKeyPath(path).length).match(/^\[(\d+)\]/);
  return match ? Number(match[1]) : null;
}

export function listRows(baseline: TomlValue | undefined): ListRow[] {
  return Array.isArray(baseline) ? baseline.map((value, index) => ({ id: rowId(), origin: index, value: typeof value === 'string' ? value : JSON.stringify(value) })) : [];
}

export function secretRows(baseline: TomlValue | undefined): SecretRow[] {
  const rows: SecretRow[] = [];
  if (!isTable(baseline)) return rows;
  for (const kind of ['env', 'file'] as const) {
    const table = baseline[kind];
    if (!isTable(table)) continue;
    for (const [name, secret] of Object.entries(table)) {
      const source: SecretSource | null = isTable(secret) && typeof secret.from_file === 'string' ? 'from_file' : isTable(secret) && typeof secret.from_env === 'string' ? 'from_env' : null;
      const value = source && isTable(secret) ? String(secret[source]) : '';
      rows.push({ id: rowId(), origin: { kind, name, source }, kind, name, source: source ?? (kind === 'env' ? 'from_env' : 'from_file'), value });
    }
  }
  return rows;
}

/** A scalar draft as the TOML value it stands for; undefined when the control is empty (unset). */
function scalarValue(field: FieldSpec, raw: string | boolean): TomlValue | undefined {
  if (typeof raw === 'boolean') return raw;
  if (field.kind === 'number' || field.kind === 'integer') {
    if (raw.trim() === '') return undefined;
    const number = Number(raw);
    // Not a number: kept as text so the engine's own message explains what is expected.
    return Number.isFinite(number) ? number : raw;
  }
  return raw === '' ? undefined : raw;
}

function sameValue(a: TomlValue | undefined, b: TomlValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function listEdits(path: KeyPath, baseline: TomlValue | undefined, rows: ListRow[], replace: boolean): ConfigEdit[] {
  const kept = rows.filter((row) => row.value.trim() !== '');
  const values = kept.map((row) => row.value);
  if (!Array.isArray(baseline) || replace) {
    if (Array.isArray(baseline) && sameValue(baseline, values)) return [];
    if (!Array.isArray(baseline) && values.length === 0) return [];
    return [{ op: 'set', path, value: values }];
  }
  const edits: ConfigEdit[] = [];
  // Changed elements first (indexes still those of the file), then removals from the end (so the
  // indexes still to remove stay put), then additions: each element's own line and comment survive.
  for (const row of kept) {
    if (row.origin !== null && baseline[row.origin] !== row.value) edits.push({ op: 'set', path: [...path, row.origin], value: row.value });
  }
  const remaining = new Set(kept.map((row) => row.origin).filter((origin) => origin !== null));
  for (let index = baseline.length - 1; index >= 0; index--) {
    if (!remaining.has(index)) edits.push({ op: 'unset', path: [...path, index] });
  }
  for (const row of kept) if (row.origin === null) edits.push({ op: 'add', path, value: row.value });
  return edits;
}

function secretEdits(path: KeyPath, baseline: TomlValue | undefined, rows: SecretRow[]): ConfigEdit[] {
  const edits: ConfigEdit[] = [];
  const complete = rows.filter((row) => row.name.trim() !== '');
  const sameSecret = (row: SecretRow) => row.origin !== null && row.origin.kind === row.kind && row.origin.name === row.name.trim();
  // A secret whose kind or name changed is a different secret: the old one goes, the new one comes.
  for (const original of secretRows(baseline)) {
    const origin = original.origin as NonNullable<SecretRow['origin']>;
    if (!complete.some((row) => sameSecret(row) && row.origin?.kind === origin.kind && row.origin.name === origin.name)) {
      edits.push({ op: 'unset', path: [...path, origin.kind, origin.name] });
    }
  }
  for (const row of complete) {
    const at = [...path, row.kind, row.name.trim()];
    if (sameSecret(row)) {
      const origin = row.origin as NonNullable<SecretRow['origin']>;
      const before = valueAt(isTable(baseline) ? baseline : null, [origin.kind, origin.name, row.source]);
      if (before !== row.value) edits.push({ op: 'set', path: [...at, row.source], value: row.value });
      if (origin.source !== null && origin.source !== row.source) edits.push({ op: 'unset', path: [...at, origin.source] });
    } else {
      edits.push({ op: 'set', path: [...at, row.source], value: row.value });
    }
  }
  return edits;
}

/** The edits that make the file say what the field's draft says; none when it already does. */
export function editsFor(field: FieldSpec, path: KeyPath, baseline: TomlValue | undefined, draft: Draft | undefined): ConfigEdit[] {
  if (!draft) return [];
  switch (draft.type) {
    case 'unset':
      return baseline === undefined ? [] : [{ op: 'unset', path }];
    case 'scalar': {
      const value = scalarValue(field, draft.value);
      if (value === undefined) return baseline === undefined ? [] : [{ op: 'unset', path }];
      return sameValue(value, baseline) ? [] : [{ op: 'set', path, value }];
    }
    case 'list':
      return listEdits(path, baseline, draft.rows, draft.replace);
    case 'secrets':
      return secretEdits(path, baseline, draft.rows);
  }
}

/** After the file was reloaded, list rows no longer know their places in it: write such lists whole. */
export function rebaseDraft(draft: Draft): Draft {
  return draft.type === 'list' ? { ...draft, replace: true, rows: draft.rows.map((row) => ({ ...row, origin: null })) } : draft;
}
