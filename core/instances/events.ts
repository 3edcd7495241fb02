import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { labelFilters, serviceOf, WORKSPACE_LABEL } from './labels.ts';
import { JsonLinesParser, sleep } from '../docker/streams.ts';

export type ContainerEventType = 'created' | 'started' | 'healthy' | 'unhealthy' | 'died' | 'destroyed';

/** Something happened to one container of a workspace. */
export interface ContainerEvent {
  type: ContainerEventType;
  workspace: string;
  service: string;
  /** The container's ID. */
  id: string;
  /** Only on `died`: the exit code of the process. */
  exitCode?: number;
  /** When the engine saw it (ISO 8601). */
  time: string;
}

/**
 * The event stream was lost (the engine restarted, the connection dropped) and is back. Events
 * may have been missed in between: whoever keeps a picture of the instances should list them again.
 */
export interface ReconnectedEvent {
  type: 'reconnected';
  time: string;
}

export type InstanceEvent = ContainerEvent | ReconnectedEvent;

/** A message of the Engine API's `/events` stream (the fields Paddock reads). */
export interface DockerEventMessage {
  Type?: string;
  Action?: string;
  /** Older engines' name for Action. */
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const ACTIONS: Record<string, ContainerEventType> = {
  create: 'created',
  start: 'started',
  die: 'died',
  destroy: 'destroyed',
  'health_status: healthy': 'healthy',
  'health_status: unhealthy': 'unhealthy',
};

/**
 * The actions the engine is asked for. Without this filter it also sends an exec_create,
 * exec_start and exec_die for every health check run, three events every two seconds for each
 * running container, which the watch would parse only to drop. `health_status` matches the
 * engine's "health_status: <status>" actions (it matches that one by prefix).
 */
const ENGINE_ACTIONS = ['create', 'start', 'die', 'destroy', 'health_status'];

/**
 * The typed event for one engine event, or null when it is not one Paddock reports (exec_*,
 * attach, kill, stop, network and image events, …) or not about a Paddock container.
 */
export function mapDockerEvent(message: DockerEventMessage): ContainerEvent | null {
  if (message.Type !== undefined && message.Type !== 'container') return null;
  const action = (message.Action ?? message.status ?? '').trim();
  const attributes = message.Actor?.Attributes ?? {};
  // Some engines (Podman) send `health_status` with the status as an attribute.
  const type = action === 'health_status' ? ACTIONS[`health_status: ${attributes.health_status ?? ''}`] : ACTIONS[action];
  if (!type) return null;
  const workspace = attributes[WORKSPACE_LABEL];
  const service = serviceOf(attributes);
  const id = message.Actor?.ID ?? message.id;
  if (!workspace || !service || !id) return null;
  const event: ContainerEvent = { type, workspace, service, id, time: eventTime(message) };
  if (type === 'died') {
    const code = Number.parseInt(attributes.exitCode ?? '', 10);
    if (Number.isFinite(code)) event.exitCode = code;
  }
  return event;
}

function eventTime(message: DockerEventMessage): string {
  const ms = typeof message.timeNano === 'number' && message.timeNano > 0 ? message.timeNano / 1e6 : typeof message.time === 'number' ? message.time * 1000 : Date.now();
  return new Date(Math.floor(ms)).toISOString();
}

export interface WatchOptions {
  /** Stops watching; required, since the watch otherwise runs (and reconnects) forever. */
  signal: AbortSignal;
  /** Only this workspace's containers. */
  workspace?: string;
  /** Told about each lost connection and failed reconnect (the watch carries on regardless). */
  onError?: (error: unknown) => void;
  /** Reconnect delays: the first, doubling up to the last. Default 500 ms to 10 s. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface InstanceWatch {
  /** Resolves once the first event stream is open (events from then on are seen); rejects if aborted first. */
  ready: Promise<void>;
  /** Resolves when the signal aborts; rejects if `onEvent` throws. */
  done: Promise<void>;
}

class CallbackError {
  constructor(readonly error: unknown) {}
}

/**
 * Follows the engine's container events for Paddock's containers and reports them as typed events.
 * When the stream ends or fails (the engine restarted, the socket dropped) it reconnects with
 * backoff (0.5 s doubling to 10 s) and emits `reconnected` once it is back, until the signal aborts.
 */
export function watchInstances(docker: Docker, onEvent: (event: InstanceEvent) => void, options: WatchOptions): InstanceWatch {
  const { signal } = options;
  const initialMs = options.backoff?.initialMs ?? 500;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  let markReady!: () => void;
  let failReady!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined);
  const emit = (event: InstanceEvent) => {
    try {
      onEvent(event);
    } catch (error) {
      throw new CallbackError(error);
    }
  };

  const run = async () => {
    let delay = initialMs;
    let connected = false;
    const backOff = async () => {
      await sleep(delay, signal);
      delay = Math.min(delay * 2, maxMs);
    };
    while (!signal.aborted) {
      let stream: Readable;
      try {
        stream = (await docker.getEvents({ filters: { type: ['container'], event: ENGINE_ACTIONS, label: labelFilters(options.workspace) }, abortSignal: signal })) as Readable;
      } catch (error) {
        if (signal.aborted) break;
        options.onError?.(error);
        await backOff();
        continue;
      }
      if (signal.aborted) {
        stream.destroy();
        break;
      }
      delay = initialMs;
      if (connected) emit({ type: 'reconnected', time: new Date().toISOString() });
      else markReady();
      connected = true;
      try {
        await consume(stream, emit, signal);
        if (!signal.aborted) options.onError?.(new Error('the engine closed the event stream'));
      } catch (error) {
        if (error instanceof CallbackError) throw error.error;
        if (signal.aborted) break;
        options.onError?.(error);
      }
      await backOff();
    }
  };

  const done = run().finally(() => failReady(signal.reason ?? new Error('the watch stopped')));
  return { ready, done };
}

async function consume(stream: Readable, emit: (event: InstanceEvent) => void, signal: AbortSignal): Promise<void> {
  const stop = () => stream.destroy();
  signal.addEventListener('abort', stop, { once: true });
  const parser = new JsonLinesParser<DockerEventMessage>((message) => {
    const event = mapDockerEvent(message);
    if (event) emit(event);
  });
  try {
    for await (const chunk of stream) parser.push(chunk as Uint8Array);
    parser.flush();
  } catch (error) {
    stream.destroy();
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
