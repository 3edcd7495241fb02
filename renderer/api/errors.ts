import type { ApiError } from '../../core/api/contract.ts';

/**
 * A failed call, thrown so callers can `catch` it. The renderer keeps its own class rather than
 * the contract's ApiCallError because it imports the contract for types only: a value import
 * would bundle zod and its schemas into the page for nothing.
 */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  readonly code: string;

  constructor(readonly error: ApiError) {
    super(error.message);
    this.code = error.code;
  }
}

/** Codes the transports add to the contract's own: the connection failed, not the call. */
export type TransportErrorCode = 'disconnected' | 'not-connected' | 'protocol';

export function transportError(code: TransportErrorCode, message: string): ApiError {
  return { name: 'TransportError', code, message };
}

/** Anything a call rejected with, as an ApiError (a bug in our own code included, so nothing shows "[object Object]"). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiFailure) return error.error;
  if (isApiError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { name: error instanceof Error ? error.name : 'Error', code: 'internal', message };
}

export function isApiError(value: unknown): value is ApiError {
  const candidate = value as Partial<ApiError> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.code === 'string' && typeof candidate.message === 'string' && typeof candidate.name === 'string';
}

/** What the user reads: a short title, the engine's own explanation, and what to do next. */
export interface UserFacingError {
  title: string;
  message: string;
  hint: string | null;
}

function detail<T>(error: ApiError, key: string): T | null {
  const details = error.details as Record<string, unknown> | undefined;
  return details && typeof details === 'object' && key in details ? (details[key] as T) : null;
}

/**
 * The one place error codes become words. The engine's messages already say what went wrong and
 * usually what to do; the title names the kind of problem and the hint adds the next step.
 */
export function describeError(error: ApiError): UserFacingError {
  const message = error.message;
  switch (error.code) {
    case 'disconnected':
      return { title: 'Connection to Paddock lost', message, hint: 'Paddock reconnects by itself. If this keeps happening, check that `paddock serve` is still running.' };
    case 'not-connected':
      return { title: 'Not connected to Paddock', message, hint: 'Wait a moment for the connection to come back, then try again.' };
    case 'protocol':
      return { title: 'Paddock sent something unexpected', message, hint: 'The app and the engine may be different versions: restart Paddock.' };
    case 'invalid-message':
      return { title: 'Paddock could not read a request', message, hint: 'The app and the engine may be different versions: restart Paddock.' };
    case 'forbidden-sender':
      return { title: 'The request was refused', message, hint: "Only the app's own window may use Paddock; reload it." };
    case 'invalid-input':
      return { title: 'The request was refused', message, hint: null };
    case 'unknown-method':
      return { title: 'This app and Paddock do not match', message, hint: 'Restart Paddock so the app and the engine are the same version.' };
    case 'config-invalid':
      return { title: 'The config has problems', message, hint: 'Nothing was saved. Fix the fields marked below, then save again.' };
    case 'config-conflict':
      return { title: 'The config file changed on disk', message, hint: 'Nothing was saved. Reload to see the new file; your unsaved changes here are kept.' };
    case 'config-edit-refused':
      return { title: 'That change cannot be made', message, hint: null };
    case 'engine-unavailable':
      return { title: 'Docker is not reachable', message, hint: detail<string>(error, 'hint') ?? 'Start Docker, then try again. Settings → Run checks tells you more.' };
    case 'workspace-not-found':
      return { title: 'No such workspace', message, hint: 'It may have been removed from the config. Go back to the list of workspaces.' };
    case 'instance-not-found':
      return { title: 'The workspace is not running', message, hint: 'Start it to see its containers, stats and logs.' };
    case 'image-not-found':
      return { title: 'The image is not there', message, hint: 'Build the workspace (or start it, which builds what is missing).' };
    case 'dockerfile-unavailable':
      return { title: 'The Dockerfile could not be read', message, hint: 'Check the path or URL in the workspace settings.' };
    case 'secret-unavailable':
      return { title: 'A secret could not be read', message, hint: 'Set the host variable or create the file the secret comes from, then start again.' };
    case 'launch-failed':
      return { title: 'The workspace could not start', message, hint: null };
    case 'build-failed':
      return { title: 'The image build failed', message, hint: 'The failing step is highlighted below, with what it printed last.' };
    case 'build-approval-required':
      return { title: 'The build needs your approval', message, hint: 'An agent can write its Dockerfile or build context: review the change in the dialog, then approve it.' };
    case 'operation-not-found':
      return { title: 'That operation is over', message, hint: null };
    case 'subscription-not-found':
      return { title: 'The log stream ended', message, hint: null };
    case 'lint-fatal':
      return { title: 'The Dockerfile was not saved', message, hint: 'Fix what the editor marks “Must be fixed”, then save again.' };
    case 'not-found':
      return { title: 'Not found', message, hint: null };
    case 'cancelled':
      return { title: 'Cancelled', message: 'The operation was cancelled.', hint: null };
    case 'internal':
      return { title: 'Something went wrong inside Paddock', message, hint: 'This is a bug. The message above helps whoever fixes it.' };
    default:
      return { title: 'Something went wrong', message, hint: null };
  }
}
