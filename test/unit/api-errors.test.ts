import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LaunchError } from '../../core/compose/launcher.ts';
import { ConfigEditError } from '../../core/config/edit.ts';
import { ConfigConflictError, ConfigError } from '../../core/config/errors.ts';
import { DockerConnectionError } from '../../core/docker/connect.ts';
import { BuildError } from '../../core/images/build.ts';
import { DockerfileSourceError } from '../../core/images/source.ts';
import { InstanceNotFoundError } from '../../core/instances/list.ts';
import { SecretSourceError } from '../../core/sandbox/secrets.ts';
import { apiErrorSchema } from '../../core/api/contract.ts';
import { apiError, isConnectionFailure, safeApiError, toApiError } from '../../core/api/errors.ts';

describe('errors across the API boundary', () => {
  it('gives each failure of the core services a stable code and keeps its message', () => {
    const cases: Array<[unknown, string]> = [
      [new ConfigError('/c.toml', [{ message: 'must be a number', path: 'defaults.cpu', line: 2, column: 7 }]), 'config-invalid'],
      [new ConfigConflictError('/c.toml'), 'config-conflict'],
      [new ConfigEditError('workspace "web" already exists'), 'config-edit-refused'],
      [new DockerConnectionError([], 'Start Docker.'), 'engine-unavailable'],
      [new InstanceNotFoundError('web'), 'instance-not-found'],
      [new LaunchError('the firewall container exited with code 1'), 'launch-failed'],
      [new SecretSourceError('secret TOKEN: the host variable TOKEN is not set'), 'secret-unavailable'],
      [new BuildError('RUN make failed', 'paddock-web:1', 3, 'RUN make', 4, '/w/Dockerfile', ['make: not found']), 'build-failed'],
      [new DockerfileSourceError('NOT_FOUND', '/w/Dockerfile', 'Dockerfile /w/Dockerfile does not exist'), 'dockerfile-unavailable'],
      [Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED', syscall: 'connect' }), 'engine-unavailable'],
      [new DOMException('The operation was aborted.', 'AbortError'), 'cancelled'],
      [new TypeError('x is undefined'), 'internal'],
      ['a string', 'internal'],
    ];
    for (const [error, code] of cases) {
      const mapped = toApiError(error);
      expect(mapped.code, String(error)).toBe(code);
      expect(apiErrorSchema.safeParse(mapped).success).toBe(true);
      if (error instanceof Error && !['internal', 'engine-unavailable', 'instance-not-found', 'cancelled'].includes(code)) expect(mapped.message).toBe(error.message);
    }
  });

  it('carries what the UI needs to point at the problem', () => {
    const config = toApiError(new ConfigError('/c.toml', [{ message: 'must be a number', path: 'defaults.cpu', line: 2, column: 7 }]));
    expect(config.details).toEqual({ file: '/c.toml', issues: [{ severity: 'error', file: '/c.toml', keyPath: 'defaults.cpu', line: 2, column: 7, message: 'must be a number' }] });
    const build = toApiError(new BuildError('failed', 'paddock-web:1', 3, 'RUN make', 4, '/w/Dockerfile', ['make: not found']));
    expect(build.details).toEqual({ tag: 'paddock-web:1', step: 3, instruction: 'RUN make', line: 4, source: '/w/Dockerfile', output: ['make: not found'] });
    expect(toApiError(new DockerConnectionError([], 'Start Docker.')).details).toEqual({ hint: 'Start Docker.', attempts: [] });
  });

  it('names the fields of invalid input', () => {
    const result = z.strictObject({ workspace: z.string() }).safeParse({ workspace: 3 });
    const mapped = toApiError(result.error);
    expect(mapped.code).toBe('invalid-input');
    expect(mapped.message).toMatch(/^invalid input: workspace: /);
    expect(mapped.details).toEqual({ issues: [{ path: 'workspace', message: expect.any(String) }] });
  });

  it('passes the registry\'s own errors through unchanged', () => {
    expect(toApiError(apiError('workspace-not-found', 'there is no workspace "x"', { workspace: 'x' }))).toEqual({
      name: 'ApiError',
      code: 'workspace-not-found',
      message: 'there is no workspace "x"',
      details: { workspace: 'x' },
    });
  });

  it('drops details that cannot travel as JSON rather than failing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(safeApiError(apiError('internal', 'bad', circular))).toEqual({ name: 'ApiError', code: 'internal', message: 'bad' });
  });

  it('tells a lost engine from other I/O errors', () => {
    expect(isConnectionFailure(Object.assign(new Error('x'), { syscall: 'connect', code: 'ENOENT' }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('x'), { syscall: 'open', code: 'ENOENT' }))).toBe(false);
    expect(isConnectionFailure(null)).toBe(false);
  });
});
