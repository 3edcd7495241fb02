import { describe, expect, it } from 'vitest';
import type { ApiEvent, CallInput, CallName, CallOutput, ConfigSnapshot, EngineState, Instance } from '../../core/api/contract.ts';
import { createBridge } from '../../electron/bridge.ts';
import { callNames } from '../../core/api/contract.ts';
import { createApiClient, type ApiClient } from '../../renderer/api/client.ts';
import { ApiFailure, asApiError, describeError } from '../../renderer/api/errors.ts';
import { createIpcTransport, type PaddockBridge } from '../../renderer/api/ipc.ts';
import type { ConnectionStatus } from '../../renderer/api/transport.ts';
import { createAppStore, seedStore, syncStore } from '../../renderer/store/app-store.ts';
import { applyDone, applyProgress, imageFraction, newOperation } from '../../renderer/store/operations.ts';
import { configStale } from '../../renderer/store/slices/config.ts';
import { latestOperation } from '../../renderer/store/slices/operations.ts';
import { parseRoute, href } from '../../renderer/router.ts';

type Handler = (input: unknown) => unknown;

/** An ApiClient whose calls are answered by test handlers and whose events the test pushes. */
function fakeClient(handlers: Partial<Record<CallName, Handler>>, initial: ConnectionStatus = 'open') {
  const eventListeners = new Set<(event: ApiEvent) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  const calls: Array<{ method: CallName; input: unknown }> = [];
  let status = initial;
  const client: ApiClient = {
    transport: 'websocket',
    async call<N extends CallName>(method: N, input: CallInput<N>): Promise<CallOutput<N>> {
      calls.push({ method, input });
      const handler = handlers[method];
      if (!handler) throw new ApiFailure({ name: 'ApiError', code: 'unknown-method', message: `no ${method} in this test` });
      return (await handler(input)) as CallOutput<N>;
    },
    onEvent: (listener) => (eventListeners.add(listener), () => eventListeners.delete(listener)),
    status: () => status,
    onStatus: (listener) => (statusListeners.add(listener), () => statusListeners.delete(listener)),
    close() {},
  };
  return {
    client,
    calls,
    emit: (event: ApiEvent) => eventListeners.forEach((listener) => listener(event)),
    setStatus(next: ConnectionStatus) {
      status = next;
      statusListeners.forEach((listener) => listener(next));
    },
    called: (method: CallName) => calls.filter((call) => call.method === method).length,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const engine = (state: EngineState['state']): EngineState => ({
  state,
  endpoint: state === 'connected' ? 'unix:///var/run/docker.sock' : null,
  source: state === 'connected' ? 'default socket' : null,
  message: state === 'unavailable' ? 'nothing at /var/run/docker.sock' : null,
  hint: state === 'unavailable' ? 'Start Docker.' : null,
  since: '2025-01-01T00:00:00.000Z',
});

function snapshot(hash: string, names: string[] = ['web']): ConfigSnapshot {
  return {
    file: '/home/me/.config/paddock/config.toml',
    text: '',
    hash,
    created: false,
    ok: true,
    errors: [],
    warnings: [],
    data: { workspaces: Object.fromEntries(names.map((name) => [name, { paths: [] }])) },
    workspaces: names.map((name) => ({
      name,
      paths: [],
      workdir: null,
      agent: 'opencode',
      command: null,
      image: 'embedded (full, from ubuntu:24.04)',
      dockerfile: null,
      servesOpenCode: true,
      port: 24817,
      cpu: 2,
      memory: '4g',
      egress: 'open',
      enableDocker: false,
    })),
  };
}

const instance = (workspace: string, state: Instance['state'] = 'running'): Instance => ({
  workspace,
  project: `paddock-${workspace}`,
  state,
  services: [],
});

function baseHandlers(overrides: Partial<Record<CallName, Handler>> = {}): Partial<Record<CallName, Handler>> {
  return {
    'app.info': () => ({ version: '0.1.0', configFile: '/home/me/.config/paddock/config.toml', home: '/home/me', platform: 'linux', engine: engine('connecting') }),
    'config.read': () => snapshot('hash-1'),
    'instances.list': () => [instance('web')],
    'operations.list': () => [],
    ...overrides,
  };
}

describe('the app store, fed by calls and events', () => {
  it('reads everything when the connection opens, and again after a reconnect', async () => {
    const fake = fakeClient(baseHandlers(), 'connecting');
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    expect(store.getState().engine.state).toBe('connecting');
    expect(fake.calls).toEqual([]);
    fake.setStatus('open');
    await flush();
    const state = store.getState();
    expect(state.connection).toBe('open');
    expect(state.info?.version).toBe('0.1.0');
    expect(state.config?.workspaces.map((workspace) => workspace.name)).toEqual(['web']);
    expect(state.instancesStatus).toBe('loaded');
    expect(Object.keys(state.instances)).toEqual(['web']);
    fake.setStatus('reconnecting');
    expect(store.getState().connection).toBe('reconnecting');
    fake.setStatus('open');
    await flush();
    expect(fake.called('config.read')).toBe(2);
    expect(fake.called('instances.list')).toBe(2);
  });

  it('starts from what the page came with, and keeps it when the first read finds the same file', async () => {
    const fake = fakeClient(baseHandlers(), 'connecting');
    const store = createAppStore(fake.client);
    const seeded = snapshot('hash-1');
    seedStore(store, { info: { version: '0.1.0', configFile: '/c.toml', home: '/home/me', platform: 'linux', engine: engine('connected') }, config: seeded });
    expect(store.getState().info).toEqual({ version: '0.1.0', configFile: '/c.toml', home: '/home/me', platform: 'linux' });
    expect(store.getState().engine.state).toBe('connecting');
    expect(store.getState().config).toBe(seeded);
    syncStore(store, fake.client);
    fake.setStatus('open');
    await flush();
    expect(fake.called('config.read')).toBe(1);
    // Not a new object: the list is not drawn again for nothing.
    expect(store.getState().config).toBe(seeded);
  });

  it('follows instances.changed: a workspace appears, changes state, and goes when it has no containers', async () => {
    const fake = fakeClient(baseHandlers({ 'instances.list': () => [] }));
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    await flush();
    fake.emit({ event: 'instances.changed', payload: { workspace: 'web', state: 'starting', instance: instance('web', 'starting') } });
    expect(store.getState().instances.web?.state).toBe('starting');
    fake.emit({ event: 'instances.changed', payload: { workspace: 'web', state: 'running', instance: instance('web', 'running') } });
    expect(store.getState().instances.web?.state).toBe('running');
    fake.emit({ event: 'instances.changed', payload: { workspace: 'web', state: 'stopped', instance: null } });
    expect(store.getState().instances).toEqual({});
  });

  it('lists the instances again when the engine comes back (events were missed meanwhile)', async () => {
    const fake = fakeClient(baseHandlers());
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    await flush();
    const before = fake.called('instances.list');
    fake.emit({ event: 'engine.changed', payload: engine('unavailable') });
    expect(store.getState().engine.hint).toBe('Start Docker.');
    expect(fake.called('instances.list')).toBe(before);
    fake.emit({ event: 'engine.changed', payload: engine('connected') });
    await flush();
    expect(store.getState().engine.endpoint).toBe('unix:///var/run/docker.sock');
    expect(fake.called('instances.list')).toBe(before + 1);
  });

  it('reloads the config when the file changes on disk, unless a form holds unsaved changes', async () => {
    let hash = 'hash-1';
    const fake = fakeClient(baseHandlers({ 'config.read': () => snapshot(hash) }));
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    await flush();
    hash = 'hash-2';
    fake.emit({ event: 'config.changed', payload: { file: 'f', hash: 'hash-2' } });
    await flush();
    expect(store.getState().config?.hash).toBe('hash-2');
    expect(configStale(store.getState())).toBe(false);

    store.getState().setEditorDirty(true);
    hash = 'hash-3';
    fake.emit({ event: 'config.changed', payload: { file: 'f', hash: 'hash-3' } });
    await flush();
    expect(store.getState().config?.hash).toBe('hash-2');
    expect(configStale(store.getState())).toBe(true);
  });

  it("saves against the text it read, and does not take its own save's announcement for a change on disk", async () => {
    const fake = fakeClient(baseHandlers({ 'config.save': () => snapshot('hash-2') }));
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    await flush();
    store.getState().setEditorDirty(true);
    const edits = [{ op: 'set' as const, path: ['workspaces', 'web', 'memory'], value: '2g' }];
    const saving = store.getState().saveConfig(edits);
    // The file watcher may report the write before the call returns.
    fake.emit({ event: 'config.changed', payload: { file: 'f', hash: 'hash-2' } });
    await saving;
    expect(fake.calls.find((call) => call.method === 'config.save')?.input).toEqual({ edits, baseHash: 'hash-1' });
    expect(store.getState().config?.hash).toBe('hash-2');
    expect(configStale(store.getState())).toBe(false);
    expect(fake.called('config.read')).toBe(1);
  });

  it('starts an operation under an ID of its own and folds its events into per-image progress', async () => {
    const fake = fakeClient(baseHandlers({ 'workspaces.up': (input) => ({ operation: (input as { operation: string }).operation }) }));
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    await flush();
    const id = await store.getState().startOperation('up', 'web');
    expect(fake.calls.find((call) => call.method === 'workspaces.up')?.input).toEqual({ workspace: 'web', operation: id });
    const progress = (event: Extract<ApiEvent, { event: 'operation.progress' }>['payload']['event']) =>
      fake.emit({ event: 'operation.progress', payload: { operation: id, kind: 'up', workspace: 'web', event } });
    progress({ type: 'plan', workspace: 'web', steps: [{ kind: 'embedded', source: 'embedded', tag: 'paddock-base:embedded-1' }, { kind: 'overlay', source: '/p/overlay.Dockerfile', tag: null }] });
    progress({ type: 'image-skip', kind: 'embedded', tag: 'paddock-base:embedded-1', reason: 'exists' });
    progress({ type: 'image-start', kind: 'overlay', tag: 'paddock-web:abc', source: '/p/overlay.Dockerfile', steps: 3, contextFiles: 2 });
    progress({ type: 'step', tag: 'paddock-web:abc', step: 2, steps: 3, instruction: 'RUN make', line: 4 });
    progress({ type: 'output', tag: 'paddock-web:abc', step: 2, line: 'compiling' });
    const operation = store.getState().operations[id];
    expect(operation?.images.map((image) => [image.kind, image.tag, image.state])).toEqual([
      ['embedded', 'paddock-base:embedded-1', 'skipped'],
      ['overlay', 'paddock-web:abc', 'building'],
    ]);
    expect(operation?.images[1]?.stepLog).toEqual([{ step: 2, instruction: 'RUN make', line: 4, cached: false, output: ['compiling'] }]);
    expect(imageFraction(operation!.images[1]!)).toBeCloseTo(1 / 3);
    expect(latestOperation(store.getState().operations, 'web')?.status).toBe('running');

    fake.emit({
      event: 'operation.done',
      payload: {
        operation: id,
        kind: 'up',
        workspace: 'web',
        status: 'failed',
        error: { name: 'BuildError', code: 'build-failed', message: 'building paddock-web:abc failed at step 2', details: { tag: 'paddock-web:abc', step: 2, instruction: 'RUN make', line: 4, source: '/p/overlay.Dockerfile', output: ['compiling', 'make: *** [all] Error 1'] } },
      },
    });
    const failed = store.getState().operations[id]!;
    expect(failed.status).toBe('failed');
    expect(failed.images[1]).toMatchObject({ state: 'failed', failedStep: 2, failureOutput: ['compiling', 'make: *** [all] Error 1'] });
    expect(describeError(failed.error!).title).toBe('The image build failed');
  });

  it('keeps an operation Paddock refused, failed with the reason, and rethrows it', async () => {
    const fake = fakeClient(baseHandlers({ 'workspaces.up': () => Promise.reject(new ApiFailure({ name: 'DockerConnectionError', code: 'engine-unavailable', message: 'no engine', details: { hint: 'Start Docker Desktop.' } })) }));
    const store = createAppStore(fake.client);
    await expect(store.getState().startOperation('up', 'web')).rejects.toBeInstanceOf(ApiFailure);
    const [operation] = Object.values(store.getState().operations);
    expect(operation?.status).toBe('failed');
    expect(describeError(operation!.error!)).toEqual({ title: 'Docker is not reachable', message: 'no engine', hint: 'Start Docker Desktop.' });
  });

  it('shows operations started elsewhere (the tray, another window) from their events', async () => {
    const fake = fakeClient(baseHandlers());
    const store = createAppStore(fake.client);
    syncStore(store, fake.client);
    fake.emit({ event: 'operation.progress', payload: { operation: 'tray-1', kind: 'down', workspace: 'web', event: { type: 'stopped', removed: ['firewall', 'agent'] } } });
    expect(store.getState().operations['tray-1']).toMatchObject({ kind: 'down', workspace: 'web', status: 'running' });
    fake.emit({ event: 'operation.done', payload: { operation: 'tray-1', kind: 'down', workspace: 'web', status: 'succeeded', result: { type: 'stopped', removed: ['a', 'b'], volumesRemoved: [] } } });
    expect(store.getState().operations['tray-1']?.status).toBe('succeeded');
  });

  it('reads when each workspace image was built in one call, and says when there is none yet', async () => {
    const calls: unknown[] = [];
    const fake = fakeClient(
      baseHandlers({
        'images.summaries': (input) => {
          calls.push(input);
          return {
            images: {
              web: { status: 'present', image: 'paddock-web:1', size: 1000, createdAt: '2025-02-01T00:00:00Z' },
              new: { status: 'missing', image: 'paddock-new:1' },
              odd: { status: 'error', error: { name: 'DockerfileSourceError', code: 'dockerfile-unavailable', message: 'gone' } },
            },
          };
        },
      }),
    );
    const store = createAppStore(fake.client);
    await store.getState().loadImages(['web', 'new', 'odd']);
    expect(calls).toEqual([{ workspaces: ['web', 'new', 'odd'] }]);
    expect(store.getState().images).toEqual({
      web: { status: 'present', image: 'paddock-web:1', size: 1000, createdAt: '2025-02-01T00:00:00Z' },
      new: { status: 'missing' },
      odd: { status: 'error', error: { name: 'DockerfileSourceError', code: 'dockerfile-unavailable', message: 'gone' } },
    });
  });

  it('marks every asked workspace when the call itself fails', async () => {
    const fake = fakeClient(
      baseHandlers({
        'images.summaries': () => {
          throw new ApiFailure({ name: 'ApiError', code: 'engine-unavailable', message: 'no engine' });
        },
      }),
    );
    const store = createAppStore(fake.client);
    await store.getState().loadImages(['web', 'api']);
    expect(store.getState().images).toEqual({
      web: { status: 'error', error: expect.objectContaining({ code: 'engine-unavailable' }) },
      api: { status: 'error', error: expect.objectContaining({ code: 'engine-unavailable' }) },
    });
  });
});

describe('operations, event by event', () => {
  it('puts the firewall image, which no plan lists, after the planned ones, and marks a cancelled build as stopped', () => {
    let operation = newOperation('op', 'up', 'web', 0);
    operation = applyProgress(operation, { type: 'plan', workspace: 'web', steps: [{ kind: 'embedded', source: 'embedded', tag: 'b:1' }] });
    operation = applyProgress(operation, { type: 'image-skip', kind: 'embedded', tag: 'b:1', reason: 'exists' });
    operation = applyProgress(operation, { type: 'image-start', kind: 'firewall', tag: 'fw:1', source: 'firewall', steps: 2, contextFiles: 0 });
    operation = applyProgress(operation, { type: 'step', tag: 'fw:1', step: 1, steps: 2, instruction: 'FROM x', line: 1 });
    operation = applyProgress(operation, { type: 'step-cached', tag: 'fw:1', step: 1 });
    expect(operation.images.map((image) => image.tag)).toEqual(['b:1', 'fw:1']);
    expect(operation.images[1]?.stepLog[0]?.cached).toBe(true);
    operation = applyDone(operation, { operation: 'op', kind: 'up', workspace: 'web', status: 'cancelled' }, 10);
    expect(operation.status).toBe('cancelled');
    expect(operation.images[1]?.state).toBe('pending');
  });

  it('follows services until the workspace is ready', () => {
    let operation = newOperation('op', 'up', 'web', 0);
    operation = applyProgress(operation, { type: 'lock-wait', pid: 42 });
    expect(operation.waitingForPid).toBe(42);
    operation = applyProgress(operation, { type: 'service', service: 'firewall', action: 'created', id: 'c1' });
    operation = applyProgress(operation, { type: 'waiting', service: 'firewall', until: 'healthy' });
    expect(operation.waitingForPid).toBeNull();
    expect(operation.services).toEqual([{ service: 'firewall', action: 'created', waiting: true }]);
    operation = applyProgress(operation, { type: 'ready', workspace: 'web', port: 24817 });
    expect(operation.services[0]?.waiting).toBe(false);
    expect(operation.readyPort).toBe(24817);
  });
});

describe('error mapping', () => {
  it('gives every contract code a title, and keeps the engine message', () => {
    const codes = ['invalid-input', 'unknown-method', 'config-invalid', 'config-conflict', 'config-edit-refused', 'engine-unavailable', 'workspace-not-found', 'instance-not-found', 'image-not-found', 'dockerfile-unavailable', 'secret-unavailable', 'launch-failed', 'build-failed', 'operation-not-found', 'subscription-not-found', 'cancelled', 'internal', 'disconnected', 'not-connected', 'protocol', 'invalid-message', 'forbidden-sender'];
    for (const code of codes) {
      const described = describeError({ name: 'E', code, message: 'what the engine said' });
      expect(described.title, code).not.toBe('Something went wrong');
      expect(described.message, code).toBe(code === 'cancelled' ? 'The operation was cancelled.' : 'what the engine said');
    }
    expect(describeError({ name: 'E', code: 'from-the-future', message: 'm' }).title).toBe('Something went wrong');
  });

  it('turns anything thrown into an ApiError', () => {
    expect(asApiError(new TypeError('boom'))).toEqual({ name: 'TypeError', code: 'internal', message: 'boom' });
    expect(asApiError('text')).toEqual({ name: 'Error', code: 'internal', message: 'text' });
    const error = { name: 'X', code: 'launch-failed', message: 'm' };
    expect(asApiError(new ApiFailure(error))).toBe(error);
  });
});

describe('the IPC transport over the preload bridge', () => {
  it('unwraps the envelope main answers with, and forwards pushed events', async () => {
    const handlers = new Map<string, (input: unknown) => unknown>();
    let push: ((event: unknown, message: unknown) => void) | null = null;
    const bridge = createBridge(callNames, {
      invoke: async (channel, input) => handlers.get(channel)?.(input),
      on: (_channel, listener) => (push = listener),
      removeListener: () => (push = null),
    }) as unknown as PaddockBridge;
    handlers.set('paddock:call:engine.status', () => ({ ok: true, output: engine('connected') }));
    handlers.set('paddock:call:config.read', () => ({ ok: false, error: { name: 'ConfigError', code: 'config-invalid', message: 'bad' } }));
    const client = createApiClient(createIpcTransport(bridge));
    expect(client.transport).toBe('ipc');
    expect(client.status()).toBe('open');
    expect((await client.call('engine.status', {})).state).toBe('connected');
    await expect(client.call('config.read', {})).rejects.toMatchObject({ code: 'config-invalid', message: 'bad' });
    const events: ApiEvent[] = [];
    const stop = client.onEvent((event) => events.push(event));
    push!({}, { event: 'engine.changed', payload: engine('unavailable') });
    push!({}, { event: 'not.in.this.version', payload: {} });
    expect(events).toEqual([{ event: 'engine.changed', payload: engine('unavailable') }]);
    stop();
    expect(push).toBeNull();
  });
});

describe('routes', () => {
  it('round-trip through the hash', () => {
    for (const route of [{ view: 'workspaces' }, { view: 'workspace', name: 'web' }, { view: 'instance', name: 'a-b' }, { view: 'operation', id: 'ui-1' }, { view: 'defaults' }, { view: 'settings' }] as const) {
      expect(parseRoute(href(route))).toEqual(route);
    }
    expect(parseRoute('#/nowhere')).toEqual({ view: 'workspaces' });
    expect(parseRoute('')).toEqual({ view: 'workspaces' });
  });
});
