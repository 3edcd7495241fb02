import { visibleControls } from '../../core/api/terminal-text.ts';
import { formatMilliseconds, shownOutput } from '../lib/format.ts';
import { imageFraction, type ImageProgress, type Operation, type ServiceProgress } from '../store/operations.ts';
import { ProgressBar } from './ProgressBar.tsx';

const IMAGE_TITLES: Record<string, string> = {
  embedded: 'Base image',
  preset: 'Your base image',
  overlay: "The workspace's overlay",
  firewall: 'Firewall sidecar',
  dind: 'Docker sidecar',
  user: 'Your user ID for the agent',
};

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
                    <span className="mono">{visibleControls(step.instruction)}</span>
                    {step.line !== null && <span className="text-muted"> · line {step.line}</span>}
                    {step.cached && <span className="tag">cached</span>}
                    {failed && <span className="tag tag-danger">failed here</span>}
                  </p>
                  {output.length > 0 && <pre className="build-step-output">{shownOutput(output)}</pre>}
                </li>
              );
            })}
            {image.stepLog.length === 0 && image.failureOutput.length > 0 && (
              <li className="build-step build-step-failed">
                <pre className="build-step-output">{shownOutput(image.failureOutput)}</pre>
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

/** The images an operation builds or pulls, each with its progress, its steps and what they printed. */
export function ImageList({ operation }: { operation: Operation }) {
  return (
    <ol className="image-list">
      {operation.images.map((image, index) => (
        <ImageCard key={`${image.kind}-${image.tag ?? image.source}-${index}`} image={image} operationFailed={operation.status !== 'running' && operation.status !== 'succeeded'} />
      ))}
    </ol>
  );
}

/** What a start did to each container, and which it still waits for. */
export function ServiceList({ operation }: { operation: Operation }) {
  return (
    <ul className="service-list">
      {operation.services.map((service) => (
        <ServiceRow key={service.service} service={service} finished={operation.status !== 'running'} />
      ))}
    </ul>
  );
}
