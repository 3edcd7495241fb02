import { useState, type FormEvent } from 'react';
import type { ApiError, ConfigIssue } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field, type FieldIssue } from '../components/Field.tsx';
import { navigate } from '../router.ts';
import { useApp } from '../store/react.tsx';

function configIssues(error: ApiError): ConfigIssue[] {
  const details = error.details as { issues?: ConfigIssue[] } | undefined;
  return error.code === 'config-invalid' && Array.isArray(details?.issues) ? details.issues : [];
}

/** Name and folder are all a workspace needs; everything else has a default and lives in its settings. */
export function AddWorkspaceForm({ onDone, autoFocus = false }: { onDone?: () => void; autoFocus?: boolean }) {
  const addWorkspace = useApp((state) => state.addWorkspace);
  const saving = useApp((state) => state.configSaving);
  const [name, setName] = useState('');
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<ApiError | null>(null);

  const issues = error ? configIssues(error) : [];
  const prefix = `workspaces.${name.trim()}`;
  const atFolder: FieldIssue[] = issues.filter((issue) => issue.keyPath?.startsWith(`${prefix}.paths`));
  const atName: FieldIssue[] = [
    ...issues.filter((issue) => !issue.keyPath?.startsWith(`${prefix}.paths`)),
    ...(error && error.code !== 'config-invalid' ? [{ severity: 'error' as const, message: error.message }] : []),
  ];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const workspace = name.trim();
    try {
      await addWorkspace(workspace, folder.trim() ? [folder.trim()] : []);
      onDone?.();
      navigate({ view: 'workspace', name: workspace });
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return (
    <form className="add-workspace" onSubmit={submit} aria-label="Add a workspace">
      <div className="add-workspace-fields">
        <Field label="Name" help="Lowercase letters, digits and -, e.g. my-project." issues={atName}>
          {({ input, describedBy, invalid }) => (
            <input
              id={input}
              className="input"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              required
              autoFocus={autoFocus}
              autoComplete="off"
              spellCheck={false}
              placeholder="my-project"
            />
          )}
        </Field>
        <Field label="Project folder" help="Absolute, or starting with ~/. The agent sees it at the same path." issues={atFolder}>
          {({ input, describedBy, invalid }) => (
            <input
              id={input}
              className="input input-mono"
              value={folder}
              onChange={(event) => setFolder(event.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              required
              autoComplete="off"
              spellCheck={false}
              placeholder="~/projects/my-project"
            />
          )}
        </Field>
      </div>
      {error && error.code !== 'config-invalid' && error.code !== 'config-edit-refused' && <ErrorNotice error={error} compact />}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Adding…' : 'Add workspace'}
        </button>
        {onDone && (
          <button type="button" className="button button-quiet" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
