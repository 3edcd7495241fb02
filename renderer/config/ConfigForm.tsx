import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ApiError, ConfigEdit, ConfigIssue, TomlValue } from '../../core/api/contract.ts';
import { asApiError, describeError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { displayPath } from '../lib/format.ts';
import { useUnsavedChanges } from '../lib/unsaved.ts';
import { useApp } from '../store/react.tsx';
import { configStale } from '../store/slices/config.ts';
import { ListControl, ScalarControl, SecretsControl, type Inherited } from './controls.tsx';
import type { FieldGroup, FieldSpec } from './fields.ts';
import { editsFor, formatKeyPath, issuesAt, rebaseDraft, valueAt, type Draft, type KeyPath } from './form-model.ts';

export interface FormSection {
  group: FieldGroup;
  /** The table the group's keys live in: ['workspaces', 'web'], ['defaults'], ['base'] or []. */
  table: KeyPath;
}

interface ConfigFormProps {
  sections: FormSection[];
  /** What applies when the table does not set a key. */
  inheritedFor(field: FieldSpec, table: KeyPath): Inherited;
  /** What the form edits, for the question asked before leaving it with unsaved changes ("web's settings"). */
  what: string;
  /** Rendered under the form (a workspace's danger zone). */
  children?: ReactNode;
}

type SaveState = { status: 'idle' } | { status: 'saving' } | { status: 'saved' } | { status: 'failed'; error: ApiError };

const VALIDATE_DELAY_MS = 300;

function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

function invalidIssues(error: ApiError): ConfigIssue[] {
  const details = error.details as { issues?: ConfigIssue[] } | undefined;
  return error.code === 'config-invalid' && Array.isArray(details?.issues) ? details.issues : [];
}

/**
 * A form over tables of the config file. Each change is checked by the config engine as you type
 * (config.validate) and its problems are shown at the field; saving sends only the keys you
 * changed, as edits that keep the rest of the file, comments included, byte for byte.
 */
export function ConfigForm({ sections, inheritedFor, what, children }: ConfigFormProps) {
  const config = useApp((state) => state.config);
  const stale = useApp(configStale);
  const diskHash = useApp((state) => state.diskHash);
  const home = useApp((state) => state.info?.home);
  const saveConfig = useApp((state) => state.saveConfig);
  const validateConfig = useApp((state) => state.validateConfig);
  const loadConfig = useApp((state) => state.loadConfig);
  const setEditorDirty = useApp((state) => state.setEditorDirty);
  const [drafts, setDrafts] = useState<ReadonlyMap<string, Draft>>(new Map());
  const [liveIssues, setLiveIssues] = useState<ConfigIssue[] | null>(null);
  const [validating, setValidating] = useState(false);
  const [saveState, setSaveState] = useState<SaveState>({ status: 'idle' });
  const [conflict, setConflict] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const validation = useRef(0);

  const data = config?.data ?? null;
  const fields = useMemo(() => sections.flatMap(({ group, table }) => group.fields.map((field) => ({ field, path: [...table, field.key] as KeyPath }))), [sections]);

  const edits = useMemo<ConfigEdit[]>(
    () => fields.flatMap(({ field, path }) => editsFor(field, path, valueAt(data, path), drafts.get(pathKey(path)))),
    [fields, data, drafts],
  );
  const dirty = edits.length > 0;

  useEffect(() => {
    setEditorDirty(dirty);
  }, [dirty, setEditorDirty]);
  useEffect(() => () => setEditorDirty(false), [setEditorDirty]);
  useUnsavedChanges(what, dirty);

  // Each change is checked by the engine itself, so the form can never disagree with `paddock config check`.
  useEffect(() => {
    const run = ++validation.current;
    if (!dirty) {
      setLiveIssues(null);
      setValidating(false);
      return;
    }
    setValidating(true);
    const timer = setTimeout(() => {
      validateConfig(edits).then(
        (result) => {
          if (run !== validation.current) return;
          setLiveIssues(result.issues);
          setValidating(false);
        },
        () => {
          // Saving reports the same problem with its explanation; a failed check just is not shown.
          if (run === validation.current) setValidating(false);
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [edits, dirty, validateConfig]);

  const issues = liveIssues ?? [...(config?.errors ?? []), ...(config?.warnings ?? [])];
  const tables = sections.map(({ table }) => table);
  const fieldIssue = (issue: ConfigIssue) => fields.some(({ path }) => issuesAt([issue], path).length > 0);
  const otherIssues = issues.filter(
    (issue) => issue.severity === 'error' && !fieldIssue(issue) && (issue.keyPath === null || tables.some((table) => table.length === 0 || issuesAt([issue], table).length > 0)),
  );
  const errorCount = issues.filter((issue) => issue.severity === 'error' && (fieldIssue(issue) || otherIssues.includes(issue))).length;

  const setDraft = useCallback((path: KeyPath, draft: Draft) => {
    setSaveState((state) => (state.status === 'saved' ? { status: 'idle' } : state));
    setDrafts((current) => new Map(current).set(pathKey(path), draft));
  }, []);

  const focusFirstProblem = () => {
    requestAnimationFrame(() => {
      const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      // Centred, so the sticky save bar does not cover it.
      invalid?.scrollIntoView({ block: 'center' });
      invalid?.focus({ preventScroll: true });
    });
  };

  const save = async () => {
    if (!dirty) return;
    setSaveState({ status: 'saving' });
    try {
      await saveConfig(edits);
      setDrafts(new Map());
      setLiveIssues(null);
      setConflict(false);
      setSaveState({ status: 'saved' });
    } catch (failure) {
      const error = asApiError(failure);
      if (error.code === 'config-conflict') setConflict(true);
      const problems = invalidIssues(error);
      if (problems.length) setLiveIssues(problems);
      setSaveState({ status: 'failed', error });
      if (problems.length) focusFirstProblem();
    }
  };

  const reload = async () => {
    await loadConfig();
    // The file's lists may have moved under the rows: those drafts now replace their list whole.
    setDrafts((current) => new Map([...current].map(([key, draft]) => [key, rebaseDraft(draft)])));
    setConflict(false);
    setSaveState({ status: 'idle' });
  };

  const discard = () => {
    setDrafts(new Map());
    setLiveIssues(null);
    setSaveState({ status: 'idle' });
    setConflict(false);
  };

  const showConflict = conflict || (stale && dirty);
  return (
    <form
      ref={formRef}
      className="config-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {showConflict && (
        <div className="notice notice-warn" role="alert">
          <div className="notice-body">
            <p className="notice-title">{diskHash === null ? 'The config file was removed' : 'The config file changed on disk'}</p>
            <p className="notice-message">
              Someone (or another program) changed <code>{config ? displayPath(config.file, home) : 'the config file'}</code> after this form was opened, so saving now could
              overwrite their change. Nothing was saved.
            </p>
            <p className="notice-hint">Reload to see the new file. Your unsaved changes here are kept, and you can save them after.</p>
          </div>
          <div className="notice-actions">
            <button type="button" className="button button-primary" onClick={() => void reload()}>
              Reload
            </button>
          </div>
        </div>
      )}
      {otherIssues.length > 0 && (
        <div className="notice notice-danger" role="alert">
          <div className="notice-body">
            <p className="notice-title">Problems in the config file</p>
            <ul className="issue-list">
              {otherIssues.map((issue, index) => (
                <li key={index}>
                  <span className="mono issue-where">
                    {issue.line !== null ? `line ${issue.line}` : 'file'}
                    {issue.keyPath ? ` · ${issue.keyPath}` : ''}
                  </span>
                  <span>{issue.message}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {sections.map(({ group, table }) => (
        <section className="form-section" key={`${formatKeyPath(table)}:${group.id}`} aria-labelledby={`group-${group.id}`}>
          <div className="form-section-head">
            <h2 id={`group-${group.id}`}>{group.title}</h2>
            <p className="text-muted">{group.description}</p>
          </div>
          <div className="form-section-fields">
            {group.fields.map((field) => {
              const path = [...table, field.key];
              const props = {
                field,
                path,
                baseline: valueAt(data, path) as TomlValue | undefined,
                draft: drafts.get(pathKey(path)),
                inherited: inheritedFor(field, table),
                issues: issuesAt(issues, path),
                onChange: (draft: Draft) => setDraft(path, draft),
              };
              if (field.kind === 'list') return <ListControl key={field.key} {...props} />;
              if (field.kind === 'secrets') return <SecretsControl key={field.key} {...props} />;
              return <ScalarControl key={field.key} {...props} />;
            })}
          </div>
        </section>
      ))}
      {children}
      <div className={`save-bar${dirty ? ' save-bar-dirty' : ''}`}>
        <div className="save-bar-status" role="status" aria-live="polite">
          {saveState.status === 'saving' && 'Saving…'}
          {saveState.status === 'saved' && !dirty && <span className="text-ok">Saved. Comments and formatting in the file are kept.</span>}
          {saveState.status === 'failed' && (
            <span className="text-danger">
              {describeError(saveState.error).title}. {saveState.error.code === 'config-invalid' ? 'Nothing was saved: fix the marked fields.' : 'Nothing was saved.'}
            </span>
          )}
          {saveState.status === 'idle' && dirty && (validating ? 'Checking…' : errorCount > 0 ? <span className="text-danger">{errorCount === 1 ? '1 problem to fix' : `${errorCount} problems to fix`}</span> : 'Unsaved changes')}
          {saveState.status === 'idle' && !dirty && 'No unsaved changes'}
        </div>
        <div className="save-bar-actions">
          <button type="button" className="button button-quiet" onClick={discard} disabled={!dirty}>
            Discard changes
          </button>
          <button type="submit" className="button button-primary" disabled={!dirty || saveState.status === 'saving'}>
            Save
          </button>
        </div>
      </div>
      {saveState.status === 'failed' && saveState.error.code !== 'config-invalid' && saveState.error.code !== 'config-conflict' && <ErrorNotice error={saveState.error} compact />}
    </form>
  );
}
