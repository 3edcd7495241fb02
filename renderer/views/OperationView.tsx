import { useState } from 'react';
import { describeError } from '../api/errors.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { formatMilliseconds } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { href } from '../router.ts';
import { imageFraction, type ImageProgress, type Operation, type ServiceProgress } from '../store/operations.ts';
import { useApp } from '../store/react.tsx';

const KIND_TITLES: Record<Operation['kind'], (workspace: string) => string> = {
  up: (workspace) => `Starting ${workspace}`,
  down: (workspace) => `Stopping ${workspace}`,
  restart: (workspace) => `Restarting ${workspace}`,
  build: (workspace) => `Building ${workspace}'s image`,
};

const IMAGE_TITLES: Record<string, string> = {
  embedded: 'Base image',
  preset: 'Your base image',
  overlay: "The workspace's overlay",
  firewall: 'Firewall sidecar',
  dind: 'Docker sidecar',
};

const STATUS_TEXT: Record<Operation['status'], string> = { running: 'In progress', succeeded: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
const STATUS_TONE: Record<Operation['status'], string> = { running: 'info', succeeded: 'ok', failed: 'danger', cancelled: 'neutral' };

function imageStatus(image: ImageProgress): string {
  switch (image.state) {
    case 'pending':
      return 'Waiting';
    case 'skipped':
      return 'Up to date: already built';
    case 'pulling':
      return image.pull ? `Pulling: ${image.pull.status}` : 'Pulling';
    case 'building': {
      const current = image.stepLog.find((step) => step.step === image.currentStep);
      if (!current || image.steps === null) return 'Sending the build context';
      return `Step ${current.step} of ${image.steps}${current.cached ? ' (cached)' : ''}`;
    }
    case 'done':
      return image.durationMs !== null ? `Built in ${formatMilliseconds(image.durationMs)}` : 'Built';
    case 'failed':
      return image.failedStep !== null ? `Failed at step ${image.failedStep}` : 'Failed';
  }
}

function ImageCard({ image, operationFailed }: { image: ImageProgress; operationFailed: boolean }) {
  const fraction = imageFraction(image);
  const current = image.stepLog.find((step) => step.step === image.currentStep);
  const hasOutput = image.stepLog.length > 0 || image.failureOutput.length > 0;
  const tone = image.state === 'failed' ? 'danger' : image.state === 'done' || image.state === 'skipped' ? 'ok' : 'accent';
  const title = IMAGE_TITLES[image.kind] ?? image.kind;
  return (
    <li className={`image-card image-card-${image.state}`}>
      <div className="image-card-head">
        <div>
          <p className="image-card-title">{title}</p>
          <p className="image-card-source mono" title={image.source}>
            {image.tag ?? image.source}
          </p>
        </div>
        <p className={`image-card-status${image.state === 'failed' ? ' text-danger' : ''}`}>{imageStatus(image)}</p>
      </div>
      <ProgressBar value={fraction === null ? null : Math.round(fraction * 1000)} max={fraction === null ? null : 1000} label={`${title}: ${imageStatus(image)}`} tone={tone} />
      {image.state === 'building' && current && (
        <p className="image-card-step mono" title={current.instruction}>
          {current.instruction}
        </p>
      )}
      {hasOutput && (
        <details className="build-output" open={image.state === 'failed' || undefined}>
          <summary>Output{image.stepLog.length ? ` of ${image.stepLog.length} ${image.stepLog.length === 1 ? 'step' : 'steps'}` : ''}</summary>
          <ol className="build-steps">
            {image.stepLog.map((step) => {
              const failed = image.state === 'failed' && step.step === image.failedStep;
              const output = failed && image.failureOutput.length > step.output.length ? image.failureOutput : step.output;
              return (
                <li key={step.step} className={`build-step${failed ? ' build-step-failed' : ''}`} aria-current={failed ? 'step' : undefined}>
                  <p className="build-step-title">
                    <span className="build-step-number">{step.step}</span>
                    <span className="mono">{step.instruction}</span>
                    {step.line !== null && <span className="text-muted"> · line {step.line}</span>}
                    {step.cached && <span className="tag">cached</span>}
                    {failed && <span className="tag tag-danger">failed here</span>}
                  </p>
                  {output.length > 0 && <pre className="build-step-output">{output.join('\n')}</pre>}
                </li>
              );
            })}
            {image.stepLog.length === 0 && image.failureOutput.length > 0 && (
              <li className="build-step build-step-failed">
                <pre className="build-step-output">{image.failureOutput.join('\n')}</pre>
              </li>
            )}
          </ol>
        </details>
      )}
      {operationFailed && image.state === 'building' && <p className="text-muted">Stopped here.</p>}
    </li>
  );
}

const ACTION_TEXT: Record<NonNullable<ServiceProgress['action']>, string> = {
  kept: 'Unchanged, kept running',
  started: 'Started again',
  created: 'Created',
  recreated: 'Recreated with the new settings',
  removed: 'Removed (no longer needed)',
};

function ServiceRow({ service, finished }: { service: ServiceProgress; finished: boolean }) {
  const waiting = service.waiting && !finished;
  return (
    <li className="service-row">
      <span className={`state-dot state-dot-${waiting ? 'starting' : 'running'}`} aria-hidden="true" />
      <span className="service-row-name">{service.service}</span>
      <span className="text-muted">
        {service.action ? ACTION_TEXT[service.action] : 'Preparing'}
        {waiting ? ' · waiting until it is ready…' : ''}
      </span>
    </li>
  );
}

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
          <ol className="image-list">
            {operation.images.map((image, index) => (
              <ImageCard key={`${image.kind}-${image.tag ?? image.source}-${index}`} image={image} operationFailed={operation.status !== 'running' && operation.status !== 'succeeded'} />
            ))}
          </ol>
        </section>
      )}
      {operation.services.length > 0 && (
        <section className="panel" aria-labelledby="services-title">
          <h2 id="services-title" className="panel-title">
            Containers
          </h2>
          <ul className="service-list">
            {operation.services.map((service) => (
              <ServiceRow key={service.service} service={service} finished={!running} />
            ))}
          </ul>
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
