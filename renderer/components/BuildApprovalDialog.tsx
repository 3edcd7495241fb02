import { useEffect, useMemo, useRef, useState } from 'react';
import type { ApiError, BuildApprovalDetails } from '../../core/api/contract.ts';
import { asApiError, describeError } from '../api/errors.ts';
import { navigate, parseRoute } from '../router.ts';
import { useApp, useClient } from '../store/react.tsx';
import type { Operation } from '../store/operations.ts';

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The details of a 'build-approval-required' error, checked by hand: the page loads no zod (its
 * schemas compile with eval, which the page's CSP forbids).
 */
function approvalDetails(value: unknown): BuildApprovalDetails | null {
  const details = value as BuildApprovalDetails | null;
  if (!details || typeof details.workspace !== 'string' || typeof details.approval !== 'string' || !Array.isArray(details.steps)) return null;
  const stepsFit = details.steps.every(
    (step) =>
      (step.kind === 'preset' || step.kind === 'overlay') && typeof step.source === 'string' && (step.context === null || typeof step.context === 'string') &&
      typeof step.writable === 'string' && typeof step.firstBuild === 'boolean' && typeof step.dockerfileDiff === 'string' &&
      isStrings(step.files?.added) && isStrings(step.files.removed) && isStrings(step.files.changed),
  );
  return stepsFit ? details : null;
}

const ACTION: Record<Operation['kind'], string> = { up: 'Approve and start', restart: 'Approve and restart', build: 'Approve and build', down: 'Approve' };

function diffLineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return 'diff-context';
}

function StepChanges({ step }: { step: BuildApprovalDetails['steps'][number] }) {
  const files = [
    ...step.files.added.map((file) => ({ file, change: 'added' })),
    ...step.files.changed.map((file) => ({ file, change: 'changed' })),
    ...step.files.removed.map((file) => ({ file, change: 'removed' })),
  ];
  return (
    <section className="approval-step">
      <h3 className="approval-step-title">
        {step.kind === 'overlay' ? 'Overlay Dockerfile' : '[base] Dockerfile'} <code>{step.source}</code>
      </h3>
      <p className="approval-step-note">
        It lies in <code>{step.writable}</code>, which an agent can write. {step.firstBuild ? 'It was never approved: this is its whole text.' : 'Changes since the build you last approved:'}
      </p>
      {step.dockerfileDiff ? (
        <pre className="approval-diff" aria-label={`Changes to ${step.source}`}>
          {step.dockerfileDiff
            .split('\n')
            .filter((line) => line !== '')
            .map((line, index) => (
              <span key={index} className={diffLineClass(line)}>
                {line}
                {'\n'}
              </span>
            ))}
        </pre>
      ) : (
        <p className="approval-step-note">The Dockerfile itself is unchanged.</p>
      )}
      {files.length > 0 && (
        <>
          <p className="approval-step-note">Context files it copies{step.context ? <> from <code>{step.context}</code></> : null}:</p>
          <ul className="approval-files">
            {files.map(({ file, change }) => (
              <li key={`${change}:${file}`}>
                <span className={`approval-file-${change}`}>{change}</span> <code>{file}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * Asks before Paddock builds from files an agent can write: an operation that failed because its
 * build needs approval opens this dialog with what changed; Approve records exactly what was shown
 * (images.approveBuild) and runs the operation again.
 */
export function BuildApprovalDialog() {
  const client = useClient();
  const operations = useApp((state) => state.operations);
  const startOperation = useApp((state) => state.startOperation);
  const [handled, setHandled] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [refreshed, setRefreshed] = useState<BuildApprovalDetails | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const pending = useMemo(() => {
    let newest: Operation | null = null;
    for (const operation of Object.values(operations)) {
      if (operation.status !== 'failed' || operation.error?.code !== 'build-approval-required' || handled.has(operation.id)) continue;
      if (!newest || operation.startedAt > newest.startedAt) newest = operation;
    }
    return newest;
  }, [operations, handled]);
  const details = refreshed ?? (pending ? approvalDetails(pending.error?.details) : null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (details && !element.open) element.showModal?.();
    if (!details && element.open) element.close();
  }, [details]);

  if (!pending || !details) return <dialog ref={dialog} className="approval-dialog" aria-label="Build approval" />;

  const finish = () => {
    setHandled((previous) => new Set(previous).add(pending.id));
    setFailure(null);
    setRefreshed(null);
  };
  const approve = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await client.call('images.approveBuild', { workspace: details.workspace, approval: details.approval });
      finish();
      const id = await startOperation(pending.kind, pending.workspace);
      // Whoever watched the refused operation watches the approved one.
      const route = parseRoute(window.location.hash);
      if (route.view === 'operation' && route.id === pending.id) navigate({ view: 'operation', id });
    } catch (error) {
      const apiError = asApiError(error);
      const again = apiError.code === 'build-approval-required' ? approvalDetails(apiError.details) : null;
      // The files changed while the dialog was open: show what is there now, approve nothing.
      if (again) setRefreshed(again);
      setFailure(apiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="approval-dialog" aria-labelledby="approval-title" onCancel={finish}>
      <h2 id="approval-title">Approve the build of {details.workspace}?</h2>
      <p>
        This build uses files an agent can write. Builds run their <code>RUN</code> steps as root, outside the workspace&apos;s sandbox. Read what changed before you approve it.
      </p>
      {details.steps.map((step) => (
        <StepChanges key={step.kind} step={step} />
      ))}
      {failure && (
        <p className="notice notice-danger notice-compact" role="alert">
          {describeError(failure).message}
        </p>
      )}
      <div className="approval-actions">
        <button type="button" className="button" onClick={finish} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={() => void approve()} disabled={busy}>
          {ACTION[pending.kind]}
        </button>
      </div>
    </dialog>
  );
}
