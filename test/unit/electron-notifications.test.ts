import { describe, expect, it } from 'vitest';
import type { ApiEvent, Instance } from '../../core/api/contract.ts';
import { NotificationPolicy } from '../../electron/notifications.ts';

type Service = Instance['services'][number];

const service = (name: string, state: string, exitCode: number | null = null): Service => ({
  service: name,
  id: `${name}-id`,
  name: `paddock-web-${name}-1`,
  image: 'img',
  state,
  health: null,
  exitCode,
  startedAt: null,
  uptimeSeconds: null,
  ports: [],
});

const changed = (services: Service[] | null): ApiEvent => ({
  event: 'instances.changed',
  payload: {
    workspace: 'web',
    state: services === null ? 'stopped' : services.some((s) => s.state === 'running') ? 'running' : 'stopped',
    instance: services === null ? null : { workspace: 'web', project: 'paddock-web', state: 'running', services },
  },
});

const running = changed([service('firewall', 'running'), service('agent', 'running')]);
const agentExited = (code: number) => changed([service('firewall', 'running'), service('agent', 'exited', code)]);

const done = (kind: 'build' | 'up' | 'down' | 'restart', status: 'succeeded' | 'failed' | 'cancelled', extra: Record<string, unknown> = {}): ApiEvent =>
  ({ event: 'operation.done', payload: { operation: 'op', kind, workspace: 'web', status, ...extra } }) as ApiEvent;

describe('notifications: builds and operations', () => {
  it('announces a finished build, saying whether anything was built', () => {
    const policy = new NotificationPolicy();
    expect(policy.decide(done('build', 'succeeded', { result: { type: 'built', image: 'paddock/web:abc', built: ['a', 'b'], skipped: [] } }), 0)).toEqual({
      title: 'web: build finished',
      body: 'Built 2 images; paddock/web:abc is ready.',
      workspace: 'web',
    });
    expect(policy.decide(done('build', 'succeeded', { result: { type: 'built', image: 'paddock/web:abc', built: [], skipped: ['a'] } }), 0)?.body).toBe(
      'Everything was up to date; paddock/web:abc is ready.',
    );
  });

  it('announces a failed build, also when it failed inside a start', () => {
    const policy = new NotificationPolicy();
    const error = { name: 'BuildError', code: 'build-failed', message: 'step 3 (RUN make) failed with exit code 2\nmore detail' };
    expect(policy.decide(done('build', 'failed', { error }), 0)).toEqual({ title: 'web: build failed', body: 'step 3 (RUN make) failed with exit code 2', workspace: 'web' });
    expect(policy.decide(done('up', 'failed', { error }), 0)?.title).toBe('web: build failed');
  });

  it('announces an operation that failed otherwise, with a short body', () => {
    const policy = new NotificationPolicy();
    const notice = policy.decide(done('up', 'failed', { error: { name: 'LaunchError', code: 'launch-failed', message: 'x'.repeat(1000) } }), 0);
    expect(notice?.title).toBe('web did not start');
    expect(notice?.body.length).toBeLessThanOrEqual(240);
    expect(policy.decide(done('down', 'failed', { error: { name: 'E', code: 'internal', message: 'no' } }), 0)?.title).toBe('web did not stop');
  });

  it('stays quiet for a cancelled operation, a successful start or stop, and unrelated events', () => {
    const policy = new NotificationPolicy();
    expect(policy.decide(done('build', 'cancelled'), 0)).toBeNull();
    expect(policy.decide(done('up', 'succeeded', { result: { type: 'launched', project: 'p', port: null, services: [] } }), 0)).toBeNull();
    expect(policy.decide(done('down', 'succeeded', { result: { type: 'stopped', removed: [], volumesRemoved: [] } }), 0)).toBeNull();
    expect(policy.decide({ event: 'config.changed', payload: { file: 'f', hash: null } }, 0)).toBeNull();
  });
});

describe('notifications: a workspace that dies', () => {
  it('announces a running container that exited with a failure code', () => {
    const policy = new NotificationPolicy();
    expect(policy.decide(running, 0)).toBeNull();
    expect(policy.decide(agentExited(137), 1000)).toEqual({ title: 'web stopped unexpectedly', body: 'Its agent container exited with code 137.', workspace: 'web' });
  });

  it('stays quiet for a clean exit, a SIGTERM (a stop, whoever asked), and containers that were not running', () => {
    for (const code of [0, 143]) {
      const policy = new NotificationPolicy();
      policy.decide(running, 0);
      expect(policy.decide(agentExited(code), 1000)).toBeNull();
    }
    const policy = new NotificationPolicy();
    policy.decide(changed([service('firewall', 'running'), service('agent', 'created')]), 0);
    expect(policy.decide(agentExited(1), 1000)).toBeNull();
  });

  it('stays quiet the first time it sees a workspace (it may have died long ago) and when its containers are removed', () => {
    const policy = new NotificationPolicy();
    expect(policy.decide(agentExited(1), 0)).toBeNull();
    const other = new NotificationPolicy();
    other.decide(running, 0);
    expect(other.decide(changed(null), 1000)).toBeNull();
  });

  it('stays quiet when the app asked for the stop or restart, until shortly after that operation ends', () => {
    const policy = new NotificationPolicy();
    policy.decide(running, 0);
    policy.noteCall('workspaces.down', { workspace: 'web' }, 1000);
    expect(policy.decide(agentExited(137), 2000)).toBeNull();
    policy.decide(done('down', 'succeeded', { result: { type: 'stopped', removed: [], volumesRemoved: [] } }), 3000);
    policy.decide(running, 4000);
    expect(policy.decide(agentExited(1), 5000)).toBeNull();
    // Ten seconds after the stop ended, a death is news again.
    policy.decide(running, 20_000);
    expect(policy.decide(agentExited(1), 21_000)?.title).toBe('web stopped unexpectedly');
  });

  it('does not let a stop request that never reported back silence the workspace for good', () => {
    const policy = new NotificationPolicy();
    policy.decide(running, 0);
    policy.noteCall('workspaces.restart', { workspace: 'web' }, 0);
    expect(policy.decide(agentExited(1), 60_000)).toBeNull();
    policy.decide(running, 100_000);
    expect(policy.decide(agentExited(1), 3 * 60_000)?.title).toBe('web stopped unexpectedly');
  });

  it('remembers only stops: other calls, and stops of other workspaces, change nothing', () => {
    const policy = new NotificationPolicy();
    policy.decide(running, 0);
    policy.noteCall('workspaces.up', { workspace: 'web' }, 0);
    policy.noteCall('workspaces.down', { workspace: 'api' }, 0);
    policy.noteCall('workspaces.down', null, 0);
    expect(policy.decide(agentExited(2), 1000)?.title).toBe('web stopped unexpectedly');
  });
});
