import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, CallOutput } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { EngineNotice } from '../components/EngineNotice.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { valueAt } from '../config/form-model.ts';
import { displayPath } from '../lib/format.ts';
import { useUnsavedChanges } from '../lib/unsaved.ts';
import { useRunningOperation } from '../lib/workspace-state.ts';
import { href } from '../router.ts';
import { buildFailure } from '../store/operations.ts';
import { useApp, useClient } from '../store/react.tsx';
import { BuildStatus } from '../workbench/BuildStatus.tsx';
import { firstFatal } from '../workbench/diagnostics.ts';
import { DockerfileEditor, type DockerfileEditorHandle, type LintReport } from '../workbench/DockerfileEditor.tsx';
import { failingLine } from '../workbench/locate.ts';
import { OverlayExplainer } from '../workbench/OverlayExplainer.tsx';
import { newOverlayTemplate } from '../workbench/template.ts';

type OverlayFile = CallOutput<'overlay.read'>;

/** The text the editor starts with: the file, or for a workspace without an overlay a template. */
function startingText(file: OverlayFile): string {
  return file.exists ? file.text : newOverlayTemplate(file.workspace);
}

function Editor({ name, file: loaded, line }: { name: string; file: OverlayFile; line: number | undefined }) {
  const client = useClient();
  const summary = useApp((state) => state.config?.workspaces.find((workspace) => workspace.name === name));
  const ownImage = useApp((state) => valueAt(state.config?.data, ['workspaces', name, 'image']));
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const startOperation = useApp((state) => state.startOperation);
  const running = useRunningOperation(name);
  const home = useApp((state) => state.info?.home);
  const editor = useRef<DockerfileEditorHandle>(null);
  const [file, setFile] = useState(loaded);
  const [initialText] = useState(() => startingText(loaded));
  const [savedText, setSavedText] = useState(loaded.exists ? loaded.text : null);
  const [dirty, setDirty] = useState(!loaded.exists);
  /** The user typed something not saved yet (an untouched proposal is not worth a question). */
  const [edited, setEdited] = useState(false);
  useUnsavedChanges(`${name}’s Dockerfile`, edited);
  const [lint, setLint] = useState<LintReport>({ diagnostics: loaded.diagnostics, checking: true });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  /** A save was asked for (Ctrl-S) while a fatal finding remained. */
  const [refused, setRefused] = useState(false);
  /** The user's text when a save found the file changed on disk: kept to copy after a reload. */
  const [conflict, setConflict] = useState<{ text: string; reloaded: boolean } | null>(null);
  const [buildId, setBuildId] = useState<string | null>(null);
  const [buildError, setBuildError] = useState<ApiError | null>(null);
  const [failedLine, setFailedLine] = useState<number | null>(null);
  const build = useApp((state) => (buildId ? state.operations[buildId] : undefined));

  const fatal = firstFatal(lint.diagnostics);
  const blockedReason = ownImage !== undefined ? `This workspace runs the image ${String(ownImage)} as it is; remove its image setting to build an overlay.` : null;

  // A link from the layer view: to the line a layer came from.
  useEffect(() => {
    if (line) editor.current?.revealLine(line, { mark: 'target' });
  }, [line]);

  const save = useCallback(async (): Promise<boolean> => {
    const handle = editor.current;
    if (!handle || blockedReason) return false;
    setSaved(false);
    setSaveError(null);
    if (firstFatal(lint.diagnostics)) {
      setRefused(true);
      return false;
    }
    const text = handle.text();
    setSaving(true);
    try {
      const written = await client.call('overlay.write', { workspace: name, text, baseHash: file.hash });
      setFile(written);
      setSavedText(text);
      setDirty(handle.text() !== text);
      setEdited(handle.text() !== text);
      setRefused(false);
      setConflict(null);
      setSaved(true);
      return true;
    } catch (failure) {
      const error = asApiError(failure);
      if (error.code === 'config-conflict') setConflict({ text, reloaded: false });
      else setSaveError(error);
      return false;
    } finally {
      setSaving(false);
    }
  }, [blockedReason, client, file.hash, lint.diagnostics, name]);

  const reload = async () => {
    setSaveError(null);
    try {
      const fresh = await client.call('overlay.read', { workspace: name });
      editor.current?.replace(startingText(fresh));
      setFile(fresh);
      setSavedText(fresh.exists ? fresh.text : null);
      setDirty(!fresh.exists);
      setEdited(false);
      setConflict((current) => (current ? { ...current, reloaded: true } : null));
    } catch (failure) {
      setSaveError(asApiError(failure));
    }
  };

  const startBuild = async () => {
    setBuildError(null);
    if ((dirty || !file.exists) && !(await save())) return;
    editor.current?.clearMark();
    setFailedLine(null);
    try {
      setBuildId(await startOperation('build', name));
    } catch (failure) {
      setBuildError(asApiError(failure));
    }
  };

  // When the build fails in this file, the editor goes to the failing line and marks it.
  const buildStatus = build?.status;
  useEffect(() => {
    if (buildStatus !== 'failed' || !build?.error) return;
    const failure = buildFailure(build.error);
    const handle = editor.current;
    if (!failure || !handle) return;
    const at = failingLine(failure, { path: file.path, text: handle.text() });
    setFailedLine(at);
    if (at !== null) handle.revealLine(at, { mark: 'failure' });
  }, [buildStatus, build?.error, file.path]);

  // Ctrl/Cmd-S anywhere in the view saves, rather than the browser offering to save the page.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // The editor handles its own (and prevents the default), so one keystroke saves once.
      if (event.defaultPrevented || event.key.toLowerCase() !== 's' || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      event.preventDefault();
      void save();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save]);

  const buildBusy = running !== null || build?.status === 'running';
  const saveDisabledReason = blockedReason ?? (fatal ? `Line ${fatal.line} must be fixed first: ${fatal.message}` : null);
  return (
    <>
      <div className="editor-actions" role="group" aria-label="Dockerfile actions">
        <p className="editor-file">
          <span className="mono" title={file.path}>
            {displayPath(file.path, home)}
          </span>
          {!file.exists && <span className="tag">new file, not saved yet</span>}
          {file.exists && dirty && <span className="tag">unsaved changes</span>}
          {!dirty && saved && <span className="text-ok"> Saved.</span>}
        </p>
        <div className="editor-buttons">
          <button type="button" className="button button-primary" onClick={() => void save()} disabled={saving || (!dirty && file.exists) || saveDisabledReason !== null} aria-describedby={saveDisabledReason ? 'save-blocked' : undefined}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button" onClick={() => void startBuild()} disabled={buildBusy || !engineConnected || saveDisabledReason !== null} title={engineConnected ? 'Saves, then builds the image' : 'Needs Docker'}>
            {buildBusy ? 'Building…' : 'Build image'}
          </button>
          <a className="button button-quiet" href={href({ view: 'layers', name })}>
            Layers
          </a>
        </div>
      </div>
      {saveDisabledReason && (
        <p className="save-blocked text-danger" id="save-blocked">
          Saving is off: {saveDisabledReason}
        </p>
      )}
      {refused && fatal && (
        <div className="notice notice-danger" role="alert">
          <div className="notice-body">
            <p className="notice-title">Not saved</p>
            <p className="notice-message">
              Line {fatal.line}: {fatal.message}
            </p>
          </div>
          <div className="notice-actions">
            <button type="button" className="button" onClick={() => editor.current?.revealLine(fatal.line, { focus: true })}>
              Show line {fatal.line}
            </button>
          </div>
        </div>
      )}
      {conflict && (
        <div className="notice notice-warn conflict" role="alert">
          <div className="notice-body">
            <p className="notice-title">{conflict.reloaded ? 'Reloaded the file from disk' : 'The Dockerfile changed on disk since you opened it'}</p>
            <p className="notice-message">
              {conflict.reloaded
                ? 'The editor now shows the file as it is on disk. Your version is below: copy what you need back in, then save.'
                : 'Nothing was saved, so the other change is not lost. Reload to see the file as it is now; your version stays here to copy from.'}
            </p>
            <details className="disclosure" open={conflict.reloaded || undefined}>
              <summary>Your version</summary>
              <pre className="conflict-text">{conflict.text}</pre>
            </details>
          </div>
          <div className="notice-actions">
            <CopyButton text={conflict.text} label="Copy your version" />
            {conflict.reloaded ? (
              <button type="button" className="button" onClick={() => setConflict(null)}>
                Dismiss
              </button>
            ) : (
              <button type="button" className="button button-primary" onClick={() => void reload()}>
                Reload
              </button>
            )}
          </div>
        </div>
      )}
      {saveError && <ErrorNotice error={saveError} />}
      {buildError && <ErrorNotice error={buildError} />}
      {build && <BuildStatus operation={build} failedLine={failedLine} showLine={(at) => editor.current?.revealLine(at, { mark: 'failure', focus: true })} />}
      <DockerfileEditor
        ref={editor}
        initialText={initialText}
        workspacePaths={summary?.paths ?? []}
        label={`Dockerfile of ${name}`}
        onChange={(text) => {
          setDirty(text !== savedText);
          setEdited(text !== (savedText ?? initialText));
          setSaved(false);
        }}
        onLint={setLint}
        onSave={() => void save()}
      />
    </>
  );
}

export function DockerfileView({ name, line }: { name: string; line?: number }) {
  const client = useClient();
  const config = useApp((state) => state.config);
  const exists = config?.workspaces.some((workspace) => workspace.name === name) ?? false;
  const [file, setFile] = useState<OverlayFile | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!exists) return;
    let current = true;
    setError(null);
    client.call('overlay.read', { workspace: name }).then(
      (read) => current && setFile(read),
      (failure: unknown) => current && setError(asApiError(failure)),
    );
    return () => {
      current = false;
    };
  }, [client, exists, name, attempt]);

  let body;
  if (!config) body = <p className="text-muted" role="status">Reading the config…</p>;
  else if (!exists) {
    body = (
      <EmptyState title={`There is no workspace named “${name}”`} actions={<a className="button" href={href({ view: 'workspaces' })}>Back to workspaces</a>}>
        <p>It may have been renamed or removed from the config.</p>
      </EmptyState>
    );
  } else if (error) {
    body = (
      <ErrorNotice
        error={error}
        onRetry={() => setAttempt((n) => n + 1)}
      />
    );
  } else if (!file) {
    body = (
      <p className="text-muted" role="status">
        <span className="spinner" aria-hidden="true" />
        Opening the Dockerfile…
      </p>
    );
  } else body = <Editor key={file.path} name={name} file={file} line={line} />;

  return (
    <div className="view view-wide">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <a href={href({ view: 'instance', name })}>{name}</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Dockerfile</span>
      </nav>
      <header className="view-header">
        <div>
          <h1>
            {name} <span className="heading-quiet">Dockerfile</span>
          </h1>
          <p className="view-subtitle">What this workspace’s image adds to Paddock’s base: checked as you type, saved to the file, built from here.</p>
        </div>
      </header>
      <EngineNotice />
      <OverlayExplainer />
      {body}
    </div>
  );
}
