import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mapDockerEvent, watchInstances, type DockerEventMessage, type InstanceEvent } from '../../core/instances/events.ts';

const ID = 'e1275c770b2aa4c00847306bf208e288efa98b243b3b19cb1b606dd46b1234b4';
const LABELS = {
  'com.docker.compose.project': 'paddock-web',
  'com.docker.compose.service': 'agent',
  'dev.paddock.workspace': 'web',
  'dev.paddock.service': 'agent',
};

/** An event as Docker 20.10 sends it (labels are among the actor's attributes). */
function message(action: string, attributes: Record<string, string> = {}, type = 'container'): DockerEventMessage {
  return {
    status: action,
    id: ID,
    Type: type,
    Action: action,
    Actor: { ID, Attributes: { image: 'paddock-web:abc', name: 'paddock-web-agent-1', ...LABELS, ...attributes } },
    time: 1795455833,
    timeNano: 1795455833611451252,
  } as DockerEventMessage;
}

describe('mapDockerEvent', () => {
  it.each([
    ['create', 'created'],
    ['start', 'started'],
    ['health_status: healthy', 'healthy'],
    ['health_status: unhealthy', 'unhealthy'],
    ['destroy', 'destroyed'],
  ])('%s → %s', (action, type) => {
    expect(mapDockerEvent(message(action))).toEqual({ type, workspace: 'web', service: 'agent', id: ID, time: '2026-11-23T17:43:53.611Z' });
  });

  it('maps die with its exit code', () => {
    expect(mapDockerEvent(message('die', { exitCode: '137' }))).toMatchObject({ type: 'died', exitCode: 137 });
    expect(mapDockerEvent(message('die', { exitCode: '0' }))).toMatchObject({ type: 'died', exitCode: 0 });
    expect(mapDockerEvent(message('die'))).not.toHaveProperty('exitCode');
  });

  it('ignores exec, attach, kill, stop and other events', () => {
    for (const action of ['exec_create: sh -c true', 'exec_start: sh -c true', 'exec_die', 'attach', 'kill', 'stop', 'resize', 'health_status: starting', 'pause', 'rename', 'top']) {
      expect(mapDockerEvent(message(action, { exitCode: '0', execID: 'x' }))).toBeNull();
    }
    expect(mapDockerEvent(message('create', {}, 'network'))).toBeNull();
  });

  it('ignores containers without Paddock’s labels', () => {
    expect(mapDockerEvent({ ...message('start'), Actor: { ID, Attributes: { name: 'other' } } })).toBeNull();
    expect(mapDockerEvent({ ...message('start'), Actor: { ID, Attributes: { 'dev.paddock.workspace': 'web' } } })).toBeNull();
  });

  it('takes the service from Compose’s label when Paddock’s is missing, and trims the action', () => {
    const { 'dev.paddock.service': _, ...compose } = LABELS;
    expect(mapDockerEvent({ ...message(' start '), Actor: { ID, Attributes: compose } })).toMatchObject({ type: 'started', service: 'agent' });
  });

  it('understands older and Podman-style messages', () => {
    expect(mapDockerEvent({ status: 'start', id: ID, time: 1_700_000_000, Actor: { Attributes: LABELS } })).toEqual({
      type: 'started',
      workspace: 'web',
      service: 'agent',
      id: ID,
      time: '2023-11-14T22:13:20.000Z',
    });
    expect(mapDockerEvent({ ...message('health_status'), Actor: { ID, Attributes: { ...LABELS, health_status: 'unhealthy' } } })).toMatchObject({ type: 'unhealthy' });
  });
});

/** A fake engine whose /events answers are scripted: a stream to write to, or an error. */
function fakeEngine(script: Array<'stream' | Error>) {
  const streams: PassThrough[] = [];
  const calls: Array<{ options: unknown; at: number }> = [];
  const docker = {
    getEvents: async (options: { abortSignal?: AbortSignal }) => {
      calls.push({ options: { ...options, abortSignal: undefined }, at: Date.now() });
      const next = script.shift() ?? new Error('connect ECONNREFUSED');
      if (next instanceof Error) throw next;
      const stream = new PassThrough();
      options.abortSignal?.addEventListener('abort', () => stream.destroy(new Error('aborted')));
      streams.push(stream);
      return stream;
    },
  } as unknown as Docker;
  return { docker, streams, calls };
}

const line = (action: string, attributes: Record<string, string> = {}) => `${JSON.stringify(message(action, attributes))}\n`;

describe('watchInstances', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('parses the stream across split chunks and reports only Paddock container events', async () => {
    const { docker, streams, calls } = fakeEngine(['stream']);
    const events: InstanceEvent[] = [];
    const controller = new AbortController();
    const watch = watchInstances(docker, (event) => events.push(event), { signal: controller.signal });
    await watch.ready;
    expect(calls[0]?.options).toMatchObject({ filters: { type: ['container'], label: ['dev.paddock.workspace'] } });
    const text = line('create') + line('exec_start: true') + line('start') + line('die', { exitCode: '3' });
    for (let i = 0; i < text.length; i += 7) streams[0]?.write(Buffer.from(text.slice(i, i + 7)));
    await vi.waitFor(() => expect(events).toHaveLength(3));
    expect(events.map((e) => e.type)).toEqual(['created', 'started', 'died']);
    expect(events[2]).toMatchObject({ exitCode: 3 });
    controller.abort();
    await watch.done;
  });

  it('filters by workspace when asked', async () => {
    const { docker, calls } = fakeEngine(['stream']);
    const controller = new AbortController();
    const watch = watchInstances(docker, () => undefined, { signal: controller.signal, workspace: 'web' });
    await watch.ready;
    expect(calls[0]?.options).toMatchObject({ filters: { label: ['dev.paddock.workspace=web'] } });
    controller.abort();
    await watch.done;
  });

  it('reconnects when the stream ends or fails, says so, and carries on', async () => {
    const { docker, streams } = fakeEngine(['stream', new Error('connect ECONNREFUSED'), 'stream', 'stream']);
    const events: InstanceEvent[] = [];
    const errors: unknown[] = [];
    const controller = new AbortController();
    const watch = watchInstances(docker, (event) => events.push(event), { signal: controller.signal, backoff: { initialMs: 5, maxMs: 20 }, onError: (error) => errors.push(error) });
    await watch.ready;
    streams[0]?.end(); // the engine went away
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    await vi.waitFor(() => expect(events).toEqual([{ type: 'reconnected', time: expect.any(String) }]));
    streams[1]?.write(line('start'));
    await vi.waitFor(() => expect(events).toHaveLength(2));
    streams[1]?.destroy(new Error('socket hang up'));
    await vi.waitFor(() => expect(streams).toHaveLength(3));
    streams[2]?.write(line('destroy'));
    await vi.waitFor(() => expect(events.map((e) => e.type)).toEqual(['reconnected', 'started', 'reconnected', 'destroyed']));
    expect(errors.map((e) => (e as Error).message)).toEqual(['the engine closed the event stream', 'connect ECONNREFUSED', 'socket hang up']);
    controller.abort();
    await watch.done;
  });

  it('backs off from 0.5 s, doubling to 10 s, while the engine is down, and starts over once connected', async () => {
    vi.useFakeTimers();
    const failures = Array.from({ length: 8 }, () => new Error('down'));
    const { docker, calls, streams } = fakeEngine([...failures, 'stream', new Error('down again'), new Error('down again')]);
    const controller = new AbortController();
    const events: InstanceEvent[] = [];
    const watch = watchInstances(docker, (event) => events.push(event), { signal: controller.signal });
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(0);
    for (const wait of [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]) {
      const before = calls.length;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(calls.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls.length).toBe(before + 1);
    }
    expect(calls.map((c) => c.at - start)).toEqual([0, 500, 1500, 3500, 7500, 15_500, 25_500, 35_500, 45_500]);
    await watch.ready; // the first stream opened: no `reconnected` for it
    expect(events).toEqual([]);
    streams[0]?.end();
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(11);
    controller.abort();
    await watch.done;
  });

  it('stops at once when aborted while waiting to reconnect, and ready rejects if it never connected', async () => {
    const { docker } = fakeEngine([]);
    const controller = new AbortController();
    const watch = watchInstances(docker, () => undefined, { signal: controller.signal, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    setTimeout(() => controller.abort(new Error('bye')), 10);
    await watch.done;
    await expect(watch.ready).rejects.toThrow('bye');
  });

  it('ends with the error when the callback throws', async () => {
    const { docker, streams } = fakeEngine(['stream']);
    const controller = new AbortController();
    const watch = watchInstances(
      docker,
      () => {
        throw new Error('listener broke');
      },
      { signal: controller.signal },
    );
    await watch.ready;
    streams[0]?.write(line('start'));
    await expect(watch.done).rejects.toThrow('listener broke');
  });
});
