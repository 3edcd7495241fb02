import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../../core/api/contract.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { firstFatal } from '../workbench/diagnostics.ts';
import type { DockerfileEditorHandle, LintReport } from '../workbench/DockerfileEditor.tsx';
import { OverlayExplainer } from '../workbench/OverlayExplainer.tsx';

// CodeMirror comes with the editor, fetched only once the wizard gets here.
const DockerfileEditor = lazy(() => import('../workbench/DockerfileEditor.tsx').then((module) => ({ default: module.DockerfileEditor })));

/** Step 4: the proposed overlay in the editor; going on creates the workspace and saves the file. */
export function OverlayStep({
  initialText,
  folder,
  failedLine,
  busy,
  error,
  nextLabel,
  onText,
  onBack,
  onNext,
  children,
}: {
  initialText: string;
  folder: string;
  /** The line a build failed at, to mark when coming back from the build. */
  failedLine: number | null;
  busy: boolean;
  error: ApiError | null;
  nextLabel: string;
  onText: (text: string) => void;
  onBack: (() => void) | null;
  onNext: (text: string) => void;
  children?: ReactNode;
}) {
  const editor = useRef<DockerfileEditorHandle>(null);
  const [lint, setLint] = useState<LintReport>({ diagnostics: [], checking: true });
  const [mounted, setMounted] = useState(false);
  const fatal = firstFatal(lint.diagnostics);
  const attach = useCallback((handle: DockerfileEditorHandle | null) => {
    editor.current = handle;
    setMounted(handle !== null);
  }, []);

  useEffect(() => {
    if (mounted && failedLine !== null) editor.current?.revealLine(failedLine, { mark: 'failure' });
  }, [mounted, failedLine]);

  return (
    <div className="wizard-step-body">
      <p>
        This is the overlay Paddock proposes for the project: what its image adds to Paddock’s base. Change what you like; it is checked as you type, and it is saved to a file when you go on, so you can change it again
        later.
      </p>
      <OverlayExplainer />
      {children}
      <Suspense
        fallback={
          <p className="text-muted" role="status">
            <span className="spinner" aria-hidden="true" />
            Loading the editor…
          </p>
        }
      >
        <DockerfileEditor
          ref={attach}
          initialText={initialText}
          workspacePaths={[folder]}
          label="The workspace's Dockerfile"
          onChange={onText}
          onLint={setLint}
        />
      </Suspense>
      {error && <ErrorNotice error={error} />}
      {fatal && (
        <p className="save-blocked text-danger" id="overlay-blocked">
          Line {fatal.line} must be fixed before going on: {fatal.message}
        </p>
      )}
      <div className="wizard-actions">
        {onBack && (
          <button type="button" className="button button-quiet" onClick={onBack} disabled={busy}>
            Back
          </button>
        )}
        <button
          type="button"
          className="button button-primary"
          onClick={() => editor.current && onNext(editor.current.text())}
          disabled={busy || fatal !== null || lint.checking || !mounted}
          aria-describedby={fatal ? 'overlay-blocked' : undefined}
        >
          {busy ? 'Saving…' : nextLabel}
        </button>
      </div>
    </div>
  );
}
