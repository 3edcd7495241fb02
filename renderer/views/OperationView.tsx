import { useState } from 'react';
import { describeError } from '../api/errors.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ImageList, ServiceList } from '../components/OperationProgress.tsx';
import { formatMilliseconds } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { href } from '../router.ts';
import type { Operation } from '../store/operations.ts';
import { useApp } from '../store/react.tsx';

const KIND_TITLES: Record<Operation['kind'], (workspace: string) => string> = {
  up: (workspace) => `Starting ${workspace}`,
  down: (workspace) => `Stopping ${workspace}`,
  restart: (workspace) => `Restarting ${workspace}`,
  build: (workspace) => `Building ${workspace}'s image`,
};

const STATUS_TEXT: Record<Operation['status'], string> = { running: 'In progress', succeeded: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
const STATUS_TONE: Record<Operation['status'], string> = { running: 'info', succeeded: 'ok', failed: 'danger', cancelled: 'neutral' };

export function OperationView({ id }: { id: string }) {
  const operation = useApp((state) => state.operations[id]);
  const cancelOperation = useApp((state) => state.cancelOperation);
  const now = useNow(1000, operation?.status === 'running');
  const [cancelling, setCancelling] = useState(false);

  if (!operation) {
    return (
      <div className="view">
        <EmptyState title="This operation is not known here" actions={<a className="button" href={href({ view: 'workspaces' })}>Back to workspaces</a>}>
          <p>Progress is shown for operations that ran while this window was open. The workspace's current state is on its page.</p>
        </EmptyState>
      </div>
    );
  }

  const elapsed = (operation.finishedAt ?? now) - operation.startedAt;
  const running = operation.status === 'running';
  const failureTitle = operation.error ? describeError(operation.error).title : null;
  return (
    <div className="view">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <a href={href({ view: 'instance', name: operation.workspace })}>{operation.workspace}</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Progress</span>
      </nav>
      <header className="view-header">
        <div>
          <h1 className="heading-with-badge">
            {KIND_TITLES[operation.kind](operation.workspace)}
            <span className={`badge badge-${STATUS_TONE[operation.status]}`}>
              <span className={`badge-dot${running ? ' badge-dot-busy' : ''}`} aria-hidden="true" />
              {STATUS_TEXT[operation.status]}
            </span>
          </h1>
          <p className="view-subtitle">
            {running ? 'Running for' : 'Took'} {formatMilliseconds(Math.max(0, elapsed))}
          </p>
        </div>
        <div className="view-actions">
          {running && (
            <button
              type="button"
              className="button"
              disabled={cancelling}
              onClick={async () => {
                setCancelling(true);
                try {
                  await cancelOperation(operation.id);
                } finally {
                  setCancelling(false);
                }
              }}
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <a className="button button-quiet" href={href({ view: 'instance', name: operation.workspace })}>
            Open {operation.workspace}
          </a>
        </div>
      </header>

      <div className="sr-announce" role="status" aria-live="polite">
        {operation.status === 'succeeded' ? `${KIND_TITLES[operation.kind](operation.workspace)}: done.` : operation.status === 'failed' ? `Failed: ${failureTitle}` : ''}
      </div>

      {operation.waitingForPid !== null && running && (
        <div className="notice notice-info" role="status">
          <div className="notice-body">
            <p className="notice-title">Waiting for another Paddock</p>
            <p className="notice-message">Process {operation.waitingForPid} is working on this workspace; this continues as soon as it is done.</p>
          </div>
        </div>
      )}
      {operation.status === 'failed' && operation.error && <ErrorNotice error={operation.error} />}
      {operation.status === 'succeeded' && operation.result?.type === 'launched' && (
        <div className="notice notice-ok" role="status">
          <div className="notice-body">
            <p className="notice-title">{operation.workspace} is running</p>
            {operation.result.port !== null && (
              <p className="notice-message">
                The agent's server is at <span className="mono">http://127.0.0.1:{operation.result.port}</span>.
              </p>
            )}
          </div>
          <div className="notice-actions">
            <a className="button button-primary" href={href({ view: 'instance', name: operation.workspace })}>
              Open {operation.workspace}
            </a>
          </div>
        </div>
      )}
      {operation.status === 'succeeded' && operation.result?.type === 'stopped' && (
        <div className="notice notice-ok" role="status">
          <div className="notice-body">
            <p className="notice-title">{operation.workspace} is stopped</p>
            <p className="notice-message">
              {operation.result.removed.length === 0 ? 'It had no containers.' : `Removed ${operation.result.removed.length} ${operation.result.removed.length === 1 ? 'container' : 'containers'}; its volumes are kept.`}
            </p>
          </div>
        </div>
      )}
      {operation.status === 'succeeded' && operation.result?.type === 'built' && (
        <div className="notice notice-ok" role="status">
          <div className="notice-body">
            <p className="notice-title">The image is ready</p>
            <p className="notice-message">
              <span className="mono">{operation.result.image}</span>
              {operation.result.built.length === 0 ? ' was already up to date.' : ''}
            </p>
          </div>
        </div>
      )}
      {operation.warnings.length > 0 && (
        <div className="notice notice-warn" role="status">
          <div className="notice-body">
            {operation.warnings.map((warning, index) => (
              <p key={index} className="notice-message">
                {warning}
              </p>
            ))}
          </div>
        </div>
      )}

      {operation.images.length > 0 && (
        <section className="panel" aria-labelledby="images-title">
          <h2 id="images-title" className="panel-title">
            Images
          </h2>
          <ImageList operation={operation} />
        </section>
      )}
      {operation.services.length > 0 && (
        <section className="panel" aria-labelledby="services-title">
          <h2 id="services-title" className="panel-title">
            Containers
          </h2>
          <ServiceList operation={operation} />
        </section>
      )}
      {running && operation.images.length === 0 && operation.services.length === 0 && (
        <p className="text-muted" role="status">
          <span className="spinner" aria-hidden="true" /> {operation.kind === 'down' ? 'Stopping the containers…' : 'Preparing…'}
        </p>
      )}
    </div>
  );
}
