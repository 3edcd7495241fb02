import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, EventPayload } from '../../core/api/contract.ts';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { DockerConnectionError, type EngineConnection } from '../../core/docker/connect.ts';

const ID = 'c0ffee';
const LABELS = { 'com.docker.compose.project': 'paddock-web', 'dev.paddock.workspace': 'web', 'dev.paddock.service': 'agent' };
const STARTED = '2026-01-01T10:00:00.000000000Z';

/** An engine with at most one container, web's agent, and an event stream the test writes to. */
class FakeEngine {
  running = false;
  streams: PassThrough[] = [];

  readonly docker = {
    getEvents: async () => {
      const stream = new PassThrough();
      this.streams.push(stream);
      return stream;
    },
    listContainers: async () =>
      this.running ? [{ Id: ID, Names: ['/paddock-web-agent-1'], Image: 'paddock-web:1', State: 'running', Status: 'Up 1 second', Ports: [], Labels: LABELS }] : [],
    getContainer: () => ({
      inspect: async () => ({ Id: ID, State: { Status: 'running', Running: true, StartedAt: STARTED, ExitCode: 0 } }),
    }),
  } as unknown as Docker;

  connection(): EngineConnection {
    return { docker: this.docker, endpoint: { address: 'unix:///fake.sock', source: 'test', options: {} } };
  }

  /** The engine reports a container event. */
  event(action: string): void {
    this.streams.at(-1)?.write(`${JSON.stringify({ Type: 'container', Action: action, Actor: { ID, Attributes: LABELS }, time: 1 })}\n`);
  }
}

describe('live events from the engine', () => {
  let dir: string;
  let engine: FakeEngine;
  let connect: ReturnType<typeof vi.fn<() => Promise<EngineConnection>>>;
  let api: Api;
  let seen: ApiEvent[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-live-'));
    engine = new FakeEngine();
    connect = vi.fn(async () => engine.connection());
    api = createApi({ configFile: path.join(dir, 'config.toml'), env: {}, home: dir, connect, debounceMs: 20 });
    seen = [];
  });

  afterEach(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const payloads = <E extends ApiEvent['event']>(event: E) => seen.filter((item) => item.event === event).map((item) => item.payload as EventPayload<E>);

  it('connects only once someone listens, and reports the instance a container event changed, once per burst', async () => {
    expect(connect).not.toHaveBeenCalled();
    api.subscribe((event) => seen.push(event));
    await vi.waitFor(() => expect(engine.streams).toHaveLength(1));
    expect(payloads('engine.changed')).toEqual([expect.objectContaining({ state: 'connected', endpoint: 'unix:///fake.sock' })]);
    engine.running = true;
    engine.event('create');
    engine.event('start');
    await vi.waitFor(() => expect(payloads('instances.changed')).toHaveLength(1));
    expect(payloads('instances.changed')[0]).toMatchObject({
      workspace: 'web',
      state: 'running',
      instance: { services: [{ service: 'agent', startedAt: STARTED, uptimeSeconds: expect.any(Number) }] },
    });
    // The same state again is not news.
    engine.event('start');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(payloads('instances.changed')).toHaveLength(1);
  });

  it('follows the engine away and back: connecting, unavailable with the hint, connected, then lists again', async () => {
    api.subscribe((event) => seen.push(event));
    await vi.waitFor(() => expect(engine.streams).toHaveLength(1));
    engine.running = true;
    engine.event('start');
    await vi.waitFor(() => expect(payloads('instances.changed')).toHaveLength(1));

    // dockerd stops: its event stream ends and nothing answers for a while.
    connect.mockImplementationOnce(() => Promise.reject(new DockerConnectionError([{ address: 'unix:///fake.sock', source: 'test', error: 'connection refused' }], 'Start Docker.')));
    engine.running = false;
    engine.streams[0]?.end();
    await vi.waitFor(() => expect(payloads('engine.changed').map((state) => state.state)).toEqual(['connected', 'connecting', 'unavailable']));
    expect(payloads('engine.changed')[2]).toMatchObject({ hint: 'Start Docker.', message: expect.stringMatching(/connection refused/) });

    // It is back (its containers gone): the API reconnects by itself and says what changed meanwhile.
    await vi.waitFor(() => expect(payloads('engine.changed').map((state) => state.state)).toEqual(['connected', 'connecting', 'unavailable', 'connected']), { timeout: 5000 });
    await vi.waitFor(() => expect(payloads('instances.changed').at(-1)).toEqual({ workspace: 'web', state: 'stopped', instance: null }));
    expect(engine.streams).toHaveLength(2);
  });

  it('stops watching when the last listener leaves', async () => {
    const stop = api.subscribe((event) => seen.push(event));
    await vi.waitFor(() => expect(engine.streams).toHaveLength(1));
    stop();
    await vi.waitFor(() => expect(engine.streams[0]?.destroyed).toBe(true));
  });

  it('delivers a client\'s log lines to that client only', async () => {
    const mine: ApiEvent[] = [];
    const theirs: ApiEvent[] = [];
    api.subscribe((event) => mine.push(event), { client: 'a' });
    api.subscribe((event) => theirs.push(event), { client: 'b' });
    await vi.waitFor(() => expect(engine.streams).toHaveLength(1));
    engine.running = true;
    const logs = new PassThrough();
    Object.assign(engine.docker, {
      getContainer: () => ({
        inspect: async () => ({ Id: ID, Config: { Tty: true }, State: { Status: 'running', Running: true, StartedAt: STARTED, ExitCode: 0 } }),
        logs: async () => logs,
      }),
    });
    const { subscription } = await api.call('logs.follow', { workspace: 'web', tail: 0 }, { client: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    logs.write(`${STARTED} hello\n`);
    await vi.waitFor(() => expect(mine.filter((event) => event.event === 'logs.line')).toHaveLength(1));
    expect(mine.find((event) => event.event === 'logs.line')?.payload).toEqual({ subscription, line: { service: 'agent', stream: 'stdout', line: 'hello', time: STARTED } });
    // Only its owner may stop it; the client going away stops it too.
    expect(await api.call('logs.unfollow', { subscription }, { client: 'b' })).toEqual({ stopped: false });
    api.release('a');
    await vi.waitFor(() => expect(mine.some((event) => event.event === 'logs.ended')).toBe(true));
    expect(theirs.filter((event) => event.event === 'logs.line' || event.event === 'logs.ended')).toEqual([]);
  });
});
