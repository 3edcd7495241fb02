import { useEffect, useMemo, useRef } from 'react';
import type { ConfigIssue, TomlValue } from '../../core/api/contract.ts';
import { Field, type FieldIssue } from '../components/Field.tsx';
import type { FieldSpec } from './fields.ts';
import { issueIndex, listRows, rowId, secretRows, type Draft, type KeyPath, type ListRow, type SecretRow } from './form-model.ts';

/** What applies when this table does not set the key, and where it comes from. */
export interface Inherited {
  value: TomlValue | null;
  /** "[defaults]" or "built-in"; null when nothing applies. */
  from: string | null;
  /** Words for a default that is not a plain value ("one derived from the name: 24817"). */
  text?: string;
}

export interface ControlProps {
  field: FieldSpec;
  path: KeyPath;
  baseline: TomlValue | undefined;
  draft: Draft | undefined;
  inherited: Inherited;
  issues: ConfigIssue[];
  onChange(draft: Draft): void;
}

function describeValue(value: TomlValue | null, field: FieldSpec): string {
  if (value === null) return field.builtinText ?? 'none';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.length ? value.map(String).join(', ') : 'none';
  if (field.kind === 'select') return field.options?.find((option) => option.value === value)?.label ?? String(value);
  return String(value);
}

function inheritedText(inherited: Inherited, field: FieldSpec): string {
  if (inherited.text) return inherited.text;
  const value = describeValue(inherited.value, field);
  return inherited.from === '[defaults]' ? `${value} (from [defaults])` : value;
}

function ResetButton({ label, onReset }: { label: string; onReset(): void }) {
  return (
    <button type="button" className="link-button" onClick={onReset} aria-label={`Reset ${label} to its default`}>
      Use default
    </button>
  );
}

function isSetHere(baseline: TomlValue | undefined, draft: Draft | undefined): boolean {
  if (!draft) return baseline !== undefined;
  return draft.type !== 'unset';
}

function scalarText(baseline: TomlValue | undefined, draft: Draft | undefined): string | boolean | undefined {
  if (draft?.type === 'scalar') return draft.value;
  if (draft?.type === 'unset') return undefined;
  if (baseline === undefined || baseline === null) return undefined;
  return typeof baseline === 'boolean' ? baseline : Array.isArray(baseline) || typeof baseline === 'object' ? JSON.stringify(baseline) : String(baseline);
}

export function ScalarControl({ field, baseline, draft, inherited, issues, onChange }: ControlProps) {
  const current = scalarText(baseline, draft);
  const setHere = isSetHere(baseline, draft) && current !== '' && current !== undefined;
  const reset = setHere ? <ResetButton label={field.label} onReset={() => onChange({ type: 'unset' })} /> : null;
  const defaultText = inheritedText(inherited, field);

  if (field.kind === 'boolean') {
    const checked = typeof current === 'boolean' ? current : inherited.value === true;
    return (
      <Field
        label={field.label}
        help={
          <>
            {field.help} {setHere ? '' : <span className="field-default">Default: {defaultText}.</span>}
          </>
        }
        issues={issues}
        trailing={reset}
      >
        {({ input, describedBy, invalid }) => (
          <span className="switch">
            <input
              id={input}
              type="checkbox"
              role="switch"
              checked={checked}
              onChange={(event) => onChange({ type: 'scalar', value: event.target.checked })}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              data-key={field.key}
            />
            <span className="switch-track" aria-hidden="true" />
            <span className="switch-text" aria-hidden="true">
              {checked ? 'On' : 'Off'}
            </span>
          </span>
        )}
      </Field>
    );
  }

  if (field.kind === 'select') {
    const value = typeof current === 'string' ? current : '';
    return (
      <Field label={field.label} help={field.help} issues={issues} trailing={reset}>
        {({ input, describedBy, invalid }) => (
          <select
            id={input}
            className="input select"
            value={value}
            onChange={(event) => onChange(event.target.value === '' ? { type: 'unset' } : { type: 'scalar', value: event.target.value })}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            data-key={field.key}
          >
            <option value="">Default: {defaultText}</option>
            {field.options?.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
            {value !== '' && !field.options?.some((option) => option.value === value) && <option value={value}>{value}</option>}
          </select>
        )}
      </Field>
    );
  }

  const numeric = field.kind === 'number' || field.kind === 'integer';
  return (
    <Field label={field.label} help={field.help} issues={issues} trailing={reset}>
      {({ input, describedBy, invalid }) => (
        <input
          id={input}
          className={`input${field.monospace ? ' input-mono' : ''}${numeric ? ' input-short' : ''}`}
          type={numeric ? 'number' : 'text'}
          inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : undefined}
          step={field.kind === 'integer' ? 1 : field.step}
          value={typeof current === 'string' ? current : ''}
          placeholder={`Default: ${defaultText}`}
          onChange={(event) => onChange({ type: 'scalar', value: event.target.value })}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          spellCheck={false}
          autoComplete="off"
          data-key={field.key}
        />
      )}
    </Field>
  );
}

/** The rows the file holds, with IDs that stay the same until the file's value changes. */
function useBaselineRows<T>(baseline: TomlValue | undefined, rowsOf: (baseline: TomlValue | undefined) => T[]): T[] {
  // Keyed by the serialized value: a re-read file gives a new object with the same content.
  const key = JSON.stringify(baseline ?? null);
  return useMemo(() => rowsOf(baseline), [key]);
}

/** Focuses the row added last, so "Add" can be followed by typing straight away. */
function useFocusNewRow(rows: ReadonlyArray<{ id: number }>) {
  const container = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  useEffect(() => {
    if (pendingFocus.current === null) return;
    container.current?.querySelector<HTMLElement>(`[data-row="${pendingFocus.current}"] input, [data-row="${pendingFocus.current}"] select`)?.focus();
    pendingFocus.current = null;
  }, [rows]);
  return { container, focusRow: (id: number) => (pendingFocus.current = id) };
}

export function ListControl({ field, path, baseline, draft, inherited, issues, onChange }: ControlProps) {
  const fromFile = useBaselineRows(baseline, listRows);
  const rows: ListRow[] = draft?.type === 'list' ? draft.rows : draft?.type === 'unset' ? [] : fromFile;
  const replace = draft?.type === 'list' ? draft.replace : false;
  const { container, focusRow } = useFocusNewRow(rows);
  const setHere = isSetHere(baseline, draft);
  const update = (next: ListRow[]) => onChange({ type: 'list', rows: next, replace });
  // The engine numbers the saved list, which leaves blank rows out.
  const savedIndex = rows.map((_, index) => rows.slice(0, index).filter((row) => row.value.trim() !== '').length);
  const rowIssues = (index: number): FieldIssue[] => (rows[index]?.value.trim() ? issues.filter((issue) => issueIndex(issue, path) === savedIndex[index]) : []);
  const listIssues = issues.filter((issue) => issueIndex(issue, path) === null);
  const inheritedList = Array.isArray(inherited.value) && inherited.value.length > 0 && inherited.from === '[defaults]';
  const help = (
    <>
      {field.help}
      {inheritedList ? <span className="field-default"> Also applies, from [defaults]: {describeValue(inherited.value, field)}.</span> : null}
      {!setHere && !inheritedList && field.builtinText ? <span className="field-default"> Default: {field.builtinText}.</span> : null}
    </>
  );
  return (
    <Field as="fieldset" label={field.label} help={help} issues={listIssues} trailing={setHere && !field.required ? <ResetButton label={field.label} onReset={() => onChange({ type: 'unset' })} /> : null}>
      {() => (
        <div className="list-editor" ref={container} data-key={field.key}>
          {rows.length === 0 && <p className="list-empty">{setHere ? 'Empty.' : 'Nothing set here.'}</p>}
          {rows.map((row, index) => {
            const problems = rowIssues(index);
            return (
              <div className="list-row" key={row.id} data-row={row.id}>
                <input
                  className={`input${field.monospace ? ' input-mono' : ''}`}
                  value={row.value}
                  placeholder={field.placeholder}
                  aria-label={`${field.label}, item ${index + 1}`}
                  aria-invalid={problems.some((issue) => issue.severity === 'error') || undefined}
                  title={problems.map((issue) => issue.message).join('\n') || undefined}
                  onChange={(event) => update(rows.map((other, i) => (i === index ? { ...other, value: event.target.value } : other)))}
                  spellCheck={false}
                  autoComplete="off"
                />
                <button type="button" className="icon-button" onClick={() => update(rows.filter((_, i) => i !== index))} aria-label={`Remove ${field.label} item ${index + 1}${row.value ? ` (${row.value})` : ''}`}>
                  <span aria-hidden="true">×</span>
                </button>
                {problems.length > 0 && (
                  <ul className="field-issues list-row-issues">
                    {problems.map((issue, i) => (
                      <li key={i} className={`field-issue field-issue-${issue.severity}`}>
                        {issue.message}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
          <button
            type="button"
            className="button button-small button-quiet list-add"
            onClick={() => {
              const row = { id: rowId(), origin: null, value: '' };
              focusRow(row.id);
              update([...rows, row]);
            }}
          >
            + Add {field.key === 'paths' ? 'a folder' : 'an item'}
          </button>
        </div>
      )}
    </Field>
  );
}

export function SecretsControl({ field, baseline, draft, issues, onChange, inherited }: ControlProps) {
  const fromFile = useBaselineRows(baseline, secretRows);
  const rows: SecretRow[] = draft?.type === 'secrets' ? draft.rows : draft?.type === 'unset' ? [] : fromFile;
  const { container, focusRow } = useFocusNewRow(rows);
  const update = (next: SecretRow[]) => onChange({ type: 'secrets', rows: next });
  const change = (index: number, patch: Partial<SecretRow>) => update(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const inheritedNames = inheritedSecretNames(inherited.value);
  const help = (
    <>
      {field.help}
      {inheritedNames.length > 0 && <span className="field-default"> From [defaults]: {inheritedNames.join(', ')} (a secret of the same name here replaces it).</span>}
    </>
  );
  return (
    <Field as="fieldset" label={field.label} help={help} issues={issues}>
      {() => (
        <div className="secrets-editor" ref={container} data-key={field.key}>
          {rows.length === 0 && <p className="list-empty">No secrets set here.</p>}
          {rows.map((row, index) => (
            <div className="secret-row" key={row.id} data-row={row.id}>
              <select className="input select" value={row.kind} onChange={(event) => change(index, { kind: event.target.value as SecretRow['kind'] })} aria-label={`Secret ${index + 1}: becomes`}>
                <option value="env">Env variable</option>
                <option value="file">File in /run/secrets</option>
              </select>
              <input
                className="input input-mono"
                value={row.name}
                placeholder={row.kind === 'env' ? 'API_KEY' : 'npmrc'}
                onChange={(event) => change(index, { name: event.target.value })}
                aria-label={`Secret ${index + 1}: name`}
                spellCheck={false}
                autoComplete="off"
              />
              <select className="input select" value={row.source} onChange={(event) => change(index, { source: event.target.value as SecretRow['source'] })} aria-label={`Secret ${index + 1}: read from`}>
                <option value="from_env">from the host variable</option>
                <option value="from_file">from the host file</option>
              </select>
              <input
                className="input input-mono"
                value={row.value}
                placeholder={row.source === 'from_env' ? 'HOST_VARIABLE' : '~/.npmrc'}
                onChange={(event) => change(index, { value: event.target.value })}
                aria-label={`Secret ${index + 1}: ${row.source === 'from_env' ? 'host variable' : 'host file'}`}
                spellCheck={false}
                autoComplete="off"
              />
              <button type="button" className="icon-button" onClick={() => update(rows.filter((_, i) => i !== index))} aria-label={`Remove secret ${row.name || index + 1}`}>
                <span aria-hidden="true">×</span>
              </button>
            </div>
          ))}
          <button
            type="button"
            className="button button-small button-quiet list-add"
            onClick={() => {
              const row: SecretRow = { id: rowId(), origin: null, kind: 'env', name: '', source: 'from_env', value: '' };
              focusRow(row.id);
              update([...rows, row]);
            }}
          >
            + Add a secret
          </button>
        </div>
      )}
    </Field>
  );
}

function inheritedSecretNames(value: TomlValue | null): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return (['env', 'file'] as const).flatMap((kind) => {
    const table = value[kind];
    return table && typeof table === 'object' && !Array.isArray(table) ? Object.keys(table).map((name) => `${name} (${kind})`) : [];
  });
}
