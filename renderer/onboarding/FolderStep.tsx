import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ApiError, CallOutput, ConfigIssue } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field, type FieldIssue } from '../components/Field.tsx';
import { displayPath } from '../lib/format.ts';
import { useApp, useClient } from '../store/react.tsx';
import { pathCrumbs } from './folders.ts';
import { suggestName, WORKSPACE_NAME } from './name.ts';

type Listing = CallOutput<'files.listDirectories'>;

export interface FolderChoice {
  folder: string;
  name: string;
  /** The user typed the name: a new folder no longer renames it. */
  nameEdited: boolean;
}

/** Checks as the user types, without a call per keystroke. */
const VALIDATE_DELAY_MS = 250;

/** A folder browser over the API (the browser has no folder dialog it may use), with breadcrumbs and Up. */
function FolderBrowser({ onChoose, chosen }: { onChoose: (path: string) => void; chosen: string }) {
  const client = useClient();
  const home = useApp((state) => state.info?.home);
  const [dir, setDir] = useState<string | undefined>(chosen || undefined);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let current = true;
    setLoading(true);
    client.call('files.listDirectories', dir ? { dir } : {}).then(
      (read) => {
        if (!current) return;
        setListing(read);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(asApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [client, dir]);

  return (
    <div className="folder-browser" aria-busy={loading}>
      {listing && (
        <div className="folder-browser-head">
          <button type="button" className="button button-small" onClick={() => listing.parent && setDir(listing.parent)} disabled={!listing.parent} aria-label="Up to the parent folder">
            ↑ Up
          </button>
          <nav className="folder-crumbs" aria-label="Folder path">
            {pathCrumbs(listing.dir).map((crumb, index, all) =>
              index === all.length - 1 ? (
                <span key={crumb.path} aria-current="location" className="folder-crumb-current">
                  {crumb.label}
                </span>
              ) : (
                <button key={crumb.path} type="button" className={`link-button folder-crumb${index === 0 ? ' folder-crumb-root' : ''}`} onClick={() => setDir(crumb.path)}>
                  {crumb.label}
                </button>
              ),
            )}
          </nav>
          <button type="button" className="button button-small button-primary" onClick={() => onChoose(listing.dir)} disabled={listing.forbidden !== null}>
            Use this folder
          </button>
        </div>
      )}
      {listing?.forbidden && <p className="folder-forbidden">This folder cannot be a workspace: {listing.forbidden}.</p>}
      {error && (
        <ErrorNotice
          error={error}
          compact
          actions={
            <button type="button" className="button button-small" onClick={() => setDir(undefined)}>
              Go home
            </button>
          }
        />
      )}
      {listing && (
        <ul className="folder-list" aria-label={`Folders in ${displayPath(listing.dir, home)}`}>
          {listing.entries.length === 0 && <li className="folder-empty text-muted">No folders in here.</li>}
          {listing.entries.map((entry) => (
            <li key={entry.path} className={`folder-entry${entry.path === chosen ? ' folder-entry-chosen' : ''}`}>
              <button type="button" className="folder-open" onClick={() => setDir(entry.path)} aria-label={`Open ${entry.name}`}>
                <span className="folder-icon" aria-hidden="true" />
                <span className="folder-name">{entry.name}</span>
              </button>
              {entry.forbidden ? (
                <span className="folder-forbidden-reason">Cannot be chosen: {entry.forbidden}</span>
              ) : (
                <button type="button" className="button button-small" onClick={() => onChoose(entry.path)} aria-label={`Choose ${entry.name}`}>
                  Choose
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function atPaths(name: string, issue: ConfigIssue): boolean {
  return issue.keyPath?.startsWith(`workspaces.${name}.paths`) ?? false;
}

/** Step 2: the project folder and the workspace's name, checked by the config engine as they are typed. */
export function FolderStep({ choice, onChange, onNext }: { choice: FolderChoice; onChange: (choice: FolderChoice) => void; onNext: () => void }) {
  const validateConfig = useApp((state) => state.validateConfig);
  const taken = useApp(useShallow((state) => state.config?.workspaces.map((workspace) => workspace.name) ?? []));
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(false);
  const { folder, name } = choice;

  useEffect(() => {
    if (!folder.trim() || !name) {
      setIssues([]);
      return;
    }
    let current = true;
    setChecking(true);
    const timer = setTimeout(() => {
      validateConfig([{ op: 'createWorkspace', name, values: { paths: [folder.trim()] } }]).then(
        (result) => {
          if (!current) return;
          setIssues(result.issues.filter((issue) => issue.severity === 'error' || atPaths(name, issue) || issue.keyPath === `workspaces.${name}`));
          setCheckError(null);
          setChecking(false);
        },
        (failure: unknown) => {
          if (!current) return;
          setCheckError(asApiError(failure));
          setChecking(false);
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [folder, name, validateConfig]);

  const choose = (path: string) => onChange({ folder: path, name: choice.nameEdited ? name : suggestName(path, taken), nameEdited: choice.nameEdited });
  const nameProblem = name && !WORKSPACE_NAME.test(name) ? 'Use lowercase letters, digits and - only.' : null;
  const atFolder: FieldIssue[] = issues.filter((issue) => atPaths(name, issue));
  const atName: FieldIssue[] = [...(nameProblem ? [{ severity: 'error' as const, message: nameProblem }] : []), ...issues.filter((issue) => issue.keyPath === `workspaces.${name}`)];
  const elsewhere = issues.filter((issue) => issue.severity === 'error' && !atPaths(name, issue) && issue.keyPath !== `workspaces.${name}`);
  const blocking = [...atFolder, ...atName].some((issue) => issue.severity === 'error') || elsewhere.length > 0;
  const ready = folder.trim() !== '' && name !== '' && !blocking && !checking && checkError === null;

  return (
    <div className="wizard-step-body">
      <p>Pick the folder of the project the agent will work on. It is mounted into the sandbox at the same path; nothing outside it is shared.</p>
      <FolderBrowser chosen={folder} onChoose={choose} />
      <div className="wizard-fields">
        <Field label="Project folder" help="Chosen above, or paste a path (absolute, or starting with ~/)." issues={atFolder}>
          {({ input, describedBy, invalid }) => (
            <input
              id={input}
              className="input input-mono"
              value={folder}
              onChange={(event) => onChange({ ...choice, folder: event.target.value, name: choice.nameEdited ? name : suggestName(event.target.value, taken) })}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              autoComplete="off"
              spellCheck={false}
              placeholder="~/projects/my-project"
            />
          )}
        </Field>
        <Field label="Workspace name" help="Suggested from the folder: lowercase letters, digits and -." issues={atName}>
          {({ input, describedBy, invalid }) => (
            <input
              id={input}
              className="input"
              value={name}
              onChange={(event) => onChange({ ...choice, name: event.target.value, nameEdited: true })}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              autoComplete="off"
              spellCheck={false}
              placeholder="my-project"
            />
          )}
        </Field>
      </div>
      {elsewhere.length > 0 && (
        <div className="notice notice-danger" role="alert">
          <div className="notice-body">
            <p className="notice-title">The config file has problems to fix first</p>
            <ul className="issue-list">
              {elsewhere.map((issue, index) => (
                <li key={index}>
                  {issue.keyPath && <span className="mono issue-where">{issue.keyPath}</span>}
                  <span>{issue.message}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {checkError && <ErrorNotice error={checkError} compact />}
      <div className="wizard-actions">
        <button type="button" className="button button-primary" onClick={onNext} disabled={!ready}>
          {checking ? 'Checking…' : 'Next: detect the stack'}
        </button>
      </div>
    </div>
  );
}
