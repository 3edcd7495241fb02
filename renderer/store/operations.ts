import type { ApiError, EventPayload, OperationKind, OperationResult, ProgressEvent } from '../../core/api/contract.ts';

type ProgressOf<T extends ProgressEvent['type']> = Extract<ProgressEvent, { type: T }>;

export type ImageKind = ProgressOf<'image-start'>['kind'];
export type ImageState = 'pending' | 'pulling' | 'building' | 'skipped' | 'done' | 'failed';

export interface StepProgress {
  step: number;
  instruction: string;
  /** The line in the user's Dockerfile, when the step comes from one. */
  line: number | null;
  cached: boolean;
  output: string[];
}

export interface ImageProgress {
  kind: ImageKind;
  source: string;
  /** Unknown until its base is resolved (an overlay's tag includes its base's ID). */
  tag: string | null;
  state: ImageState;
  /** Steps the Dockerfile has, once the build started. */
  steps: number | null;
  currentStep: number | null;
  stepLog: StepProgress[];
  /** The step that failed, when the build failed. */
  failedStep: number | null;
  /** What a failed build printed last (from the error, which keeps more than the stream did). */
  failureOutput: string[];
  pull: { status: string; current: number | null; total: number | null } | null;
  durationMs: number | null;
}

export interface ServiceProgress {
  service: string;
  action: ProgressOf<'service'>['action'] | null;
  waiting: boolean;
}

export type OperationStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Operation {
  id: string;
  kind: OperationKind;
  workspace: string;
  status: OperationStatus;
  /** Milliseconds since the epoch, from this client's clock. */
  startedAt: number;
  finishedAt: number | null;
  images: ImageProgress[];
  services: ServiceProgress[];
  warnings: string[];
  /** Another Paddock process holds the workspace's lock; this operation waits for it. */
  waitingForPid: number | null;
  /** The agent's port once the workspace is ready. */
  readyPort: number | null;
  result: OperationResult | null;
  error: ApiError | null;
}

/** Output lines kept per step: enough to read a failure, bounded so a chatty build cannot eat memory. */
const OUTPUT_LINES_KEPT = 400;

export function newOperation(id: string, kind: OperationKind, workspace: string, startedAt: number): Operation {
  return {
    id,
    kind,
    workspace,
    status: 'running',
    startedAt,
    finishedAt: null,
    images: [],
    services: [],
    warnings: [],
    waitingForPid: null,
    readyPort: null,
    result: null,
    error: null,
  };
}

function emptyImage(kind: ImageKind, source: string, tag: string | null): ImageProgress {
  return { kind, source, tag, state: 'pending', steps: null, currentStep: null, stepLog: [], failedStep: null, failureOutput: [], pull: null, durationMs: null };
}

/** The image an event is about: by tag when known, else the first planned one of that kind and source still waiting. */
function findImage(images: ImageProgress[], match: { tag: string | null; kind?: ImageKind; source?: string | null }): number {
  if (match.tag !== null) {
    const byTag = images.findIndex((image) => image.tag === match.tag);
    if (byTag >= 0) return byTag;
  }
  if (match.kind === undefined) return -1;
  return images.findIndex((image) => image.kind === match.kind && (match.source == null || image.source === match.source) && image.tag === null && image.state === 'pending');
}

function updateImage(operation: Operation, index: number, change: (image: ImageProgress) => ImageProgress): Operation {
  const images = operation.images.slice();
  const image = images[index];
  if (!image) return operation;
  images[index] = change(image);
  return { ...operation, images };
}

/** Starts or finds the image an image-start/image-skip is about (the firewall's is never in the plan). */
function upsertImage(operation: Operation, kind: ImageKind, source: string | null, tag: string, change: (image: ImageProgress) => ImageProgress): Operation {
  let index = findImage(operation.images, { tag, kind, source });
  let next = operation;
  if (index < 0) {
    next = { ...operation, images: [...operation.images, emptyImage(kind, source ?? tag, tag)] };
    index = next.images.length - 1;
  }
  return updateImage(next, index, (image) => change({ ...image, tag }));
}

function withStep(image: ImageProgress, step: number, change: (entry: StepProgress) => StepProgress): ImageProgress {
  const stepLog = image.stepLog.slice();
  let index = stepLog.findIndex((entry) => entry.step === step);
  if (index < 0) {
    stepLog.push({ step, instruction: '', line: null, cached: false, output: [] });
    index = stepLog.length - 1;
  }
  stepLog[index] = change(stepLog[index] as StepProgress);
  return { ...image, stepLog };
}

function updateService(operation: Operation, service: string, change: (entry: ServiceProgress) => ServiceProgress): Operation {
  const services = operation.services.slice();
  const index = services.findIndex((entry) => entry.service === service);
  if (index < 0) services.push(change({ service, action: null, waiting: false }));
  else services[index] = change(services[index] as ServiceProgress);
  return { ...operation, services };
}

/** One progress event folded into the operation's picture. Pure, so the store and its tests share it. */
export function applyProgress(operation: Operation, event: ProgressEvent): Operation {
  switch (event.type) {
    case 'plan': {
      const planned = event.steps.map((step) => emptyImage(step.kind, step.source, step.tag));
      // A restart's or an up's second build (the firewall) keeps what is already shown.
      const unseen = planned.filter((image) => findImage(operation.images, image) < 0);
      return { ...operation, images: [...operation.images, ...unseen] };
    }
    case 'image-start':
      return upsertImage(operation, event.kind, event.source, event.tag, (image) => ({ ...image, state: 'building', steps: event.steps, currentStep: null }));
    case 'image-skip':
      return upsertImage(operation, event.kind, null, event.tag, (image) => ({ ...image, state: 'skipped' }));
    case 'step': {
      const index = findImage(operation.images, { tag: event.tag });
      return updateImage(operation, index, (image) =>
        withStep({ ...image, state: 'building', steps: event.steps, currentStep: event.step }, event.step, (entry) => ({ ...entry, instruction: event.instruction, line: event.line })),
      );
    }
    case 'step-cached': {
      const index = findImage(operation.images, { tag: event.tag });
      return updateImage(operation, index, (image) => withStep(image, event.step, (entry) => ({ ...entry, cached: true })));
    }
    case 'output': {
      const index = findImage(operation.images, { tag: event.tag });
      return updateImage(operation, index, (image) =>
        withStep(image, event.step, (entry) => ({ ...entry, output: [...entry.output.slice(-(OUTPUT_LINES_KEPT - 1)), event.line] })),
      );
    }
    case 'pull': {
      const index = event.tag === null ? -1 : findImage(operation.images, { tag: event.tag });
      if (index < 0) return operation;
      return updateImage(operation, index, (image) => ({
        ...image,
        state: image.state === 'pending' ? 'pulling' : image.state,
        pull: { status: event.status, current: event.current, total: event.total },
      }));
    }
    case 'image-done': {
      const index = findImage(operation.images, { tag: event.tag, kind: event.kind });
      return updateImage(operation, index, (image) => ({ ...image, state: 'done', currentStep: image.steps, durationMs: event.durationMs, pull: null }));
    }
    case 'warning':
      return { ...operation, warnings: [...operation.warnings, event.message] };
    case 'done':
      return operation;
    case 'lock-wait':
      return { ...operation, waitingForPid: event.pid };
    case 'service':
      return updateService({ ...operation, waitingForPid: null }, event.service, (entry) => ({ ...entry, action: event.action }));
    case 'waiting':
      return updateService(operation, event.service, (entry) => ({ ...entry, waiting: true }));
    case 'ready':
      return { ...operation, readyPort: event.port, services: operation.services.map((entry) => ({ ...entry, waiting: false })) };
    case 'stopped':
      return operation;
  }
}

/** A 'build-failed' error's details: the failing image and step, where the step is, what it printed last. */
export interface BuildFailedDetails {
  tag: string;
  step: number | null;
  instruction: string | null;
  /** The step's line in `source`, when the engine's step could be traced back to it. */
  line: number | null;
  /** The Dockerfile that failed (a path, a URL, or `embedded (…)`). */
  source: string | null;
  output: string[];
}

export function buildFailure(error: ApiError): BuildFailedDetails | null {
  const details = error.details as Partial<Record<keyof BuildFailedDetails, unknown>> | undefined;
  if (error.code !== 'build-failed' || !details || typeof details.tag !== 'string') return null;
  return {
    tag: details.tag,
    step: typeof details.step === 'number' ? details.step : null,
    instruction: typeof details.instruction === 'string' ? details.instruction : null,
    line: typeof details.line === 'number' ? details.line : null,
    source: typeof details.source === 'string' ? details.source : null,
    output: Array.isArray(details.output) ? details.output.map(String) : [],
  };
}

/** The end of an operation: its result, or its error with the failing image and step marked. */
export function applyDone(operation: Operation, done: EventPayload<'operation.done'>, finishedAt: number): Operation {
  const finished = { ...operation, finishedAt, waitingForPid: null, services: operation.services.map((entry) => ({ ...entry, waiting: false })) };
  if (done.status === 'succeeded') return { ...finished, status: 'succeeded', result: done.result };
  if (done.status === 'cancelled') {
    return { ...finished, status: 'cancelled', images: finished.images.map((image) => (image.state === 'building' || image.state === 'pulling' ? { ...image, state: 'pending' } : image)) };
  }
  const failure = buildFailure(done.error);
  let images = finished.images;
  if (failure) {
    const index = findImage(images, { tag: failure.tag });
    images = images.map((image, i) =>
      i === index ? { ...image, state: 'failed', failedStep: failure.step ?? image.currentStep, failureOutput: failure.output } : image,
    );
  }
  return { ...finished, status: 'failed', error: done.error, images };
}

/** How far an image is, from 0 to 1; null while that cannot be said (not started, or pulling without sizes). */
export function imageFraction(image: ImageProgress): number | null {
  if (image.state === 'done' || image.state === 'skipped') return 1;
  if (image.state === 'pulling' && image.pull?.current != null && image.pull.total) return image.pull.current / image.pull.total;
  if (image.steps && image.currentStep !== null) {
    // A step counts as done once the next one starts (and a failed step never finished).
    return Math.max(0, image.currentStep - 1) / image.steps;
  }
  return image.state === 'pending' ? 0 : null;
}
