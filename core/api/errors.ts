import { z } from 'zod';
import { LaunchError } from '../compose/launcher.ts';
import { PolicyNotAppliedError } from '../net/steer.ts';
import { ConfigEditError } from '../config/edit.ts';
import { ConfigConflictError, ConfigError, type ConfigIssue as CoreIssue } from '../config/errors.ts';
import { DockerConnectionError } from '../docker/connect.ts';
import { BuildApprovalError } from '../images/approval.ts';
import { BuildError } from '../images/build.ts';
import { DockerfileSourceError } from '../images/source.ts';
import { InstanceNotFoundError } from '../instances/list.ts';
import { SecretSourceError } from '../sandbox/secrets.ts';
import { ApiCallError, apiErrorSchema, type ApiError, type ApiErrorCode, type ConfigIssue } from './contract.ts';

/** Throws across the boundary with a code of the contract's own. */
export function apiError(code: ApiErrorCode, message: string, details?: unknown): ApiCallError {
  return new ApiCallError({ name: 'ApiError', code, message, ...(details === undefined ? {} : { details }) });
}

export function contractIssue(file: string, issue: CoreIssue, severity: ConfigIssue['severity']): ConfigIssue {
  return { severity, file, keyPath: issue.path, line: issue.line, column: issue.column, message: issue.message };
}

/** The engine could not be reached in the middle of a request (it stopped, or its socket went away). */
export function isConnectionFailure(error: unknown): boolean {
  const err = error as NodeJS.ErrnoException | null;
  if (!err || typeof err !== 'object') return false;
  return err.syscall === 'connect' || err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ECONNREFUSED';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}

/**
 * Any thrown value as an ApiError. The known failures of the core services keep their message (it
 * says what to do) and get a stable code; anything else is a bug, reported as 'internal'.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiCallError) return { name: error.name, code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
  if (error instanceof z.ZodError) {
    const issues = error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    const summary = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
    return { name: 'ZodError', code: 'invalid-input', message: `invalid input: ${summary}`, details: { issues } };
  }
  if (error instanceof ConfigError) {
    return { name: error.name, code: 'config-invalid', message: error.message, details: { file: error.file, issues: error.issues.map((issue) => contractIssue(error.file, issue, 'error')) } };
  }
  if (error instanceof ConfigConflictError) return { name: error.name, code: 'config-conflict', message: error.message, details: { file: error.file } };
  if (error instanceof ConfigEditError) return { name: error.name, code: 'config-edit-refused', message: error.message };
  if (error instanceof DockerConnectionError) {
    return { name: error.name, code: 'engine-unavailable', message: error.message, details: { hint: error.hint, attempts: error.attempts } };
  }
  if (error instanceof InstanceNotFoundError) {
    return { name: error.name, code: 'instance-not-found', message: `${error.message} Start it first.`, details: { workspace: error.workspace, service: error.service ?? null } };
  }
  if (error instanceof LaunchError) return { name: error.name, code: 'launch-failed', message: error.message };
  if (error instanceof PolicyNotAppliedError) return { name: error.name, code: 'policy-not-applied', message: error.message };
  if (error instanceof SecretSourceError) return { name: error.name, code: 'secret-unavailable', message: error.message };
  if (error instanceof BuildError) {
    const { tag, step, instruction, line, source, output } = error;
    return { name: error.name, code: 'build-failed', message: error.message, details: { tag, step, instruction, line, source, output } };
  }
  if (error instanceof BuildApprovalError) return { name: error.name, code: 'build-approval-required', message: error.message, details: error.request };
  if (error instanceof DockerfileSourceError) return { name: error.name, code: 'dockerfile-unavailable', message: error.message, details: { reason: error.code, source: error.source } };
  if (isAbort(error)) return { name: 'AbortError', code: 'cancelled', message: 'cancelled' };
  if (isConnectionFailure(error)) {
    return { name: (error as Error).name, code: 'engine-unavailable', message: `lost the connection to the Docker engine (${(error as Error).message}); is it still running? Run \`paddock doctor\` for details.` };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return { name: err.name || 'Error', code: 'internal', message: `internal error: ${err.message}` };
}

/** The same, guaranteed to fit the contract (details that cannot travel as JSON are dropped). */
export function safeApiError(error: unknown): ApiError {
  const mapped = toApiError(error);
  try {
    if (mapped.details !== undefined) JSON.stringify(mapped.details);
    return apiErrorSchema.parse(mapped);
  } catch {
    return { name: mapped.name, code: mapped.code, message: mapped.message };
  }
}
