import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ImageList } from '../components/OperationProgress.tsx';
import { formatMilliseconds, shownOutput } from '../lib/format.ts';
import { href } from '../router.ts';
import { buildFailure, type Operation } from '../store/operations.ts';

/** Output lines of a failed step shown beside the editor; the progress view has all of them. */
const OUTPUT_SHOWN = 15;

/**
 * A build started from the editor or the onboarding: its images and steps as the progress view
 * shows them, and when it fails, the step, its line in the Dockerfile and its last output, with a
 * way back to that line (`showLine`, given the line when it is in the file being edited).
 */
export function BuildStatus({ operation, failedLine, showLine }: { operation: Operation; failedLine: number | null; showLine?: (line: number) => void }) {
  const failure = operation.error ? buildFailure(operation.error) : null;
  return (
    <section className="panel build-status" aria-labelledby={`build-${operation.id}-title`}>
      <div className="panel-head">
        <h2 className="panel-title" id={`build-${operation.id}-title`}>
          {operation.status === 'running' ? 'Building the image…' : operation.status === 'succeeded' ? 'The image is built' : operation.status === 'cancelled' ? 'The build was cancelled' : 'The build failed'}
        </h2>
        <div className="panel-actions">
          {operation.finishedAt !== null && <span className="text-muted">took {formatMilliseconds(Math.max(0, operation.finishedAt - operation.startedAt))}</span>}
          <a href={href({ view: 'operation', id: operation.id })}>Full progress</a>
        </div>
      </div>
      <div className="sr-announce" role="status" aria-live="polite">
        {operation.status === 'succeeded' ? 'The image is built.' : operation.status === 'failed' ? `The build failed${failedLine !== null ? ` at line ${failedLine}` : ''}.` : ''}
      </div>
      {operation.status === 'failed' && failure && (
        <div className="notice notice-danger build-failure" role="alert">
          <div className="notice-body">
            <p className="notice-title">
              {failedLine !== null ? `Line ${failedLine} failed to build` : failure.step !== null ? `Step ${failure.step} failed to build` : 'The build failed'}
              {failedLine === null && failure.source && !failure.source.includes('/') ? ` (${failure.source})` : ''}
            </p>
            {failure.instruction && <p className="notice-message mono">{failure.instruction}</p>}
            {failedLine === null && failure.source?.includes('/') && (
              <p className="notice-hint">
                In <span className="mono">{failure.source}</span>
                {failure.line !== null ? `, line ${failure.line}` : ''}: not the file open here.
              </p>
            )}
            {failure.output.length > 0 && <pre className="build-failure-output">{shownOutput(failure.output.slice(-OUTPUT_SHOWN))}</pre>}
          </div>
          {failedLine !== null && showLine && (
            <div className="notice-actions">
              <button type="button" className="button" onClick={() => showLine(failedLine)}>
                Show line {failedLine}
              </button>
            </div>
          )}
        </div>
      )}
      {operation.status === 'failed' && !failure && operation.error && <ErrorNotice error={operation.error} />}
      {operation.images.length > 0 && (
        <details className="build-output" open={operation.status === 'running' || undefined}>
          <summary>Images and steps</summary>
          <ImageList operation={operation} />
        </details>
      )}
    </section>
  );
}
