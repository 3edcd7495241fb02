import { useState } from 'react';
import { useApp } from '../store/react.tsx';
import { BuildStatus } from '../workbench/BuildStatus.tsx';

/** Step 5: the first build of the image, with its progress; a failure leads back to its line. */
export function BuildStep({ buildId, failedLine, onRetry, onEdit, onNext }: { buildId: string | null; failedLine: number | null; onRetry: () => void; onEdit: () => void; onNext: () => void }) {
  const operation = useApp((state) => (buildId ? state.operations[buildId] : undefined));
  const cancelOperation = useApp((state) => state.cancelOperation);
  const [cancelling, setCancelling] = useState(false);
  const status = operation?.status;
  return (
    <div className="wizard-step-body">
      <p>Paddock builds the image now: its base first when it is not there yet, then your overlay. A first build can take a few minutes; the next ones reuse what did not change.</p>
      {operation ? (
        <BuildStatus operation={operation} failedLine={failedLine} showLine={onEdit} />
      ) : (
        <p className="text-muted" role="status">
          <span className="spinner" aria-hidden="true" />
          Starting the build…
        </p>
      )}
      <div className="wizard-actions">
        {status === 'running' && (
          <button
            type="button"
            className="button"
            disabled={cancelling}
            onClick={async () => {
              if (!buildId) return;
              setCancelling(true);
              try {
                await cancelOperation(buildId);
              } finally {
                setCancelling(false);
              }
            }}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {(status === 'failed' || status === 'cancelled') && (
          <>
            <button type="button" className="button" onClick={onRetry}>
              Build again
            </button>
            <button type="button" className="button button-primary" onClick={onEdit}>
              {failedLine !== null ? `Back to the Dockerfile, line ${failedLine}` : 'Back to the Dockerfile'}
            </button>
          </>
        )}
        {status === 'succeeded' && (
          <button type="button" className="button button-primary" onClick={onNext}>
            Next: the agent
          </button>
        )}
      </div>
    </div>
  );
}
