import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { serve, type ServeHandle } from '../../core/api/serve.ts';
import type { EngineConnection } from '../../core/docker/connect.ts';
import { createApiClient, type ApiClient } from '../../renderer/api/client.ts';
import { ApiFailure } from '../../renderer/api/errors.ts';
import type { ConnectionStatus } from '../../renderer/api/transport.ts';
import { createWebSocketTransport, socketUrlForPage, type WebSocketLike } from '../../renderer/api/websocket.ts';
import type { ApiEvent } from '../../core/api/contract.ts';

const TOKEN = 'renderer-client-token-0123456789';

function until<T>(read: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = read();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(check, 10);
    };
    check();
  });
}

async function rejection(promise: Promise<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiFailure) return error;
    throw error;
  }
  throw new Error('the call resolved');
}

/** The renderer's WebSocket client against the real `paddock serve` and API registry (no engine). */
describe('the renderer API client over the WebSocket of paddock serve', () => {
  let dir: string;
  let configFile: string;
  let api: Api;
  let server: ServeHandle;
  let client: ApiClient;
  let statuses: ConnectionStatus[];
  let events: ApiEvent[];
  /** Engine calls wait on this; releasing it makes them fail as if no engine answered. */
  let releaseEngine: () => void;

  const start = async (port = 0) => {
    server = await serve({ api, port, staticDir: dir, token: TOKEN });
    return server;
  };

  const connectClient = (token = TOKEN, port = server.port) => {
    const transport = createWebSocketTransport({
      url: `ws://127.0.0.1:${port}/api?token=${token}`,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      initialDelayMs: 20,
      maxDelayMs: 80,
    });
    client = createApiClient(transport);
    statuses = [];
    events = [];
    client.onStatus((status) => statuses.push(status));
    client.onEvent((event) => events.push(event));
    return client;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-renderer-client-'));
    configFile = path.join(dir, 'config.toml');
    fs.writeFileSync(configFile, '# mine\n[workspaces.web]\npaths = []\n');
    let release: () => void = () => undefined;
    const engineGate = new Promise<void>((resolve) => (release = resolve));
    releaseEngine = release;
    api = createApi({
      configFile,
      env: {},
      home: dir,
      debounceMs: 20,
      connect: () => engineGate.then((): EngineConnection => {
        throw new Error('no engine in this test');
      }),
    });
    await start();
  });

  afterEach(async () => {
    client?.close();
    releaseEngine();
    await server.close();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers typed calls, queued until the socket opens', async () => {
    connectClient();
    expect(client.status()).toBe('connecting');
    const snapshot = await client.call('config.read', {});
    expect(snapshot.text).toBe('# mine\n[workspaces.web]\npaths = []\n');
    expect(snapshot.workspaces.map((workspace) => workspace.name)).toEqual(['web']);
    expect(statuses).toEqual(['open']);
  });

  it('rejects a refused call with the contract error and its code', async () => {
    connectClient();
    const failure = await rejection(client.call('config.save', { edits: [{ op: 'set', path: ['workspaces', 'web', 'memory'], value: 'lots' }], baseHash: 'stale' }));
    expect(failure.code).toBe('config-conflict');
    expect(failure.error.name).toBe('ConfigConflictError');
    const invalid = await rejection(client.call('workspaces.add', { name: 'Bad Name', paths: [] }));
    expect(invalid.code).toBe('config-edit-refused');
  });

  it('delivers pushed events', async () => {
    connectClient();
    await client.call('config.read', {});
    fs.writeFileSync(configFile, '# changed\n');
    const changed = await until(() => events.find((event) => event.event === 'config.changed'));
    expect(changed.payload).toMatchObject({ file: configFile });
  });

  it('fails waiting calls at once when the connection drops, reconnects, and gets events again', async () => {
    connectClient();
    await client.call('config.read', {});
    // instances.list waits for the engine, which this test holds back: it is in flight when the server goes.
    const inFlight = rejection(client.call('instances.list', {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const port = server.port;
    await server.close();
    const lost = await inFlight;
    expect(lost.code).toBe('disconnected');
    expect(lost.message).toMatch(/connection to Paddock was lost/);
    await until(() => client.status() === 'reconnecting');
    const meanwhile = await rejection(client.call('config.read', {}));
    expect(meanwhile.code).toBe('not-connected');

    await start(port);
    await until(() => client.status() === 'open');
    expect(statuses[0]).toBe('open');
    expect(statuses).toContain('reconnecting');
    expect(statuses.at(-1)).toBe('open');
    await client.call('config.read', {});
    events.length = 0;
    fs.writeFileSync(configFile, '# changed after the reconnect\n');
    await until(() => events.find((event) => event.event === 'config.changed'));
  });

  it('never opens with a wrong token, and the calls that waited for it fail', async () => {
    connectClient('not-the-token');
    const failure = await rejection(client.call('config.read', {}));
    expect(failure.code).toBe('disconnected');
    expect(failure.message).toBe('Could not connect to Paddock.');
    expect(client.status()).toBe('reconnecting');
  });

  it('fails every call after close, and stops reconnecting', async () => {
    connectClient();
    await client.call('config.read', {});
    client.close();
    expect((await rejection(client.call('config.read', {}))).code).toBe('not-connected');
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(statuses).toEqual(['open']);
  });
});

describe('the socket address of a served page', () => {
  it('is /api on the same host, with the token the page holds', () => {
    expect(socketUrlForPage({ protocol: 'http:', host: '127.0.0.1:4000' }, null)).toBe('ws://127.0.0.1:4000/api');
    expect(socketUrlForPage({ protocol: 'http:', host: '127.0.0.1:4000' }, 'ab-c_d/')).toBe('ws://127.0.0.1:4000/api?token=ab-c_d%2F');
    expect(socketUrlForPage({ protocol: 'https:', host: 'localhost:1' }, null)).toBe('wss://localhost:1/api');
  });
});
