import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { watchInstances } from './events.ts';
import { labelFilters, serviceOf } from './labels.ts';
import { InstanceNotFoundError, validTime } from './list.ts';
import { LineSplitter, StreamDemuxer, type OutputStream } from '../docker/streams.ts';

export interface LogLine {
  service: string;
  stream: OutputStream;
  line: string;
  /** When the engine logged it: RFC 3339 with nanoseconds, UTC (`2024-05-01T12:00:00.123456789Z`); null if it had no timestamp. */
  time: string | null;
}

export interface LogOptions {
  /** Keep following new output until the signal aborts, re-attaching when a container (re)starts. */
  follow?: boolean;
  /** Lines to show from the end of each container's log (default: all). */
  tail?: number | 'all';
  /** Only output since then: a Date, Unix seconds, an RFC 3339 time, or a duration ago (`10m`, `2h`). */
  since?: Date | number | string;
  /** Only this service (firewall, agent, dind). */
  service?: string;
  signal?: AbortSignal;
  /** Told when following one container fails (following the others carries on). */
  onError?: (error: unknown, service: string) => void;
}

/**
 * The output of a workspace's containers (or one service's), line by line, stdout and stderr kept
 * apart, each line with the time the engine logged it. Without `follow`, the lines of all the
 * containers are merged in time order and the call returns once they are all delivered. With
 * `follow`, it returns when the signal aborts; a container that restarts is followed again from
 * where it stopped, and a container recreated under the workspace is followed from its start.
 * Throws InstanceNotFoundError when the workspace (or service) has no container.
 */
export async function instanceLogs(docker: Docker, workspace: string, options: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return;
  const filters = { label: labelFilters(workspace, options.service) };
  const base = { tail: options.tail, since: options.since === undefined ? undefined : dockerTimestamp(options.since), signal };
  if (!options.follow) {
    const containers = await docker.listContainers({ all: true, filters });
    if (containers.length === 0) throw new InstanceNotFoundError(workspace, options.service);
    let perContainer: LogLine[][];
    try {
      perContainer = await Promise.all(
        containers.map(async (info) => {
          const lines: LogLine[] = [];
          await readContainerLogs(docker, info.Id, serviceOf(info.Labels) ?? 'unknown', { ...base, follow: false }, (line) => lines.push(line));
          return lines;
        }),
      );
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    for (const line of mergeByTime(perContainer)) onLine(line);
    return;
  }

  const stop = new AbortController();
  const abort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  interface Follower {
    service: string;
    active: boolean;
    restartPending: boolean;
    lastTime: string | null;
  }
  const followers = new Map<string, Follower>();
  const follow = (id: string, service: string, first: { tail?: number | 'all'; since?: string }) => {
    let follower = followers.get(id);
    if (follower?.active) {
      // It restarted while its old stream is still draining: follow again once that one ends.
      follower.restartPending = true;
      return;
    }
    if (!follower) {
      follower = { service, active: false, restartPending: false, lastTime: null };
      followers.set(id, follower);
    }
    const current = follower;
    current.active = true;
    const resumeFrom = current.lastTime;
    const range = resumeFrom ? { since: dockerTimestamp(resumeFrom) } : first;
    readContainerLogs(docker, id, service, { ...range, follow: true, signal: stop.signal }, (line) => {
      // `since` is inclusive: skip what was already delivered before the restart.
      if (resumeFrom && line.time && !isAfter(line.time, resumeFrom)) return;
      if (line.time) current.lastTime = line.time;
      onLine(line);
    })
      .then((state) => {
        // It was stopped and printed nothing we showed (say with tail 0): when it starts again, begin at that stop.
        if (!current.lastTime && !state.Running) current.lastTime = validTime(state.FinishedAt);
      })
      .catch((error: unknown) => {
        if (!stop.signal.aborted && (error as { statusCode?: number }).statusCode !== 404) options.onError?.(error, service);
      })
      .finally(() => {
        current.active = false;
        if (current.restartPending && !stop.signal.aborted) {
          current.restartPending = false;
          follow(id, service, {});
        }
      });
  };
  const service = options.service;
  let connected = false;
  let connectError: unknown = null;
  const watch = watchInstances(
    docker,
    (event) => {
      if (event.type === 'reconnected' || event.workspace !== workspace || (service && event.service !== service)) return;
      if (event.type === 'died') {
        // Nothing delivered yet (say with tail 0): when it starts again, resume from its death, not its whole log.
        const known = followers.get(event.id);
        if (known && !known.lastTime) known.lastTime = event.time;
      }
      // A container seen before resumes where it stopped; a new one is followed from its start.
      if (event.type === 'started') follow(event.id, event.service, { since: base.since });
    },
    {
      signal: stop.signal,
      workspace,
      onError: (error) => {
        // The engine cannot be reached at all: fail now rather than wait for it.
        if (!connected) {
          connectError = error;
          stop.abort();
        }
      },
    },
  );
  try {
    // Watch first, then list: a container that starts in between is seen by one or the other.
    await Promise.race([watch.ready, watch.done]).catch((error: unknown) => {
      if (!stop.signal.aborted) throw error;
    });
    connected = true;
    if (connectError) throw connectError;
    if (stop.signal.aborted) return;
    const containers = await docker.listContainers({ all: true, filters });
    if (containers.length === 0) throw new InstanceNotFoundError(workspace, options.service);
    for (const info of containers) follow(info.Id, serviceOf(info.Labels) ?? 'unknown', { tail: base.tail, since: base.since });
    await Promise.race([watch.done, new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))]);
  } finally {
    signal?.removeEventListener('abort', abort);
    stop.abort();
    await watch.done.catch(() => undefined);
  }
}

/**
 * One container's log: its stream (multiplexed, or raw for a TTY container) cut into lines with
 * their timestamps. Resolves when the log ends — at once without `follow`; with it, when the
 * container stops or the signal aborts — with the container's state when reading began.
 */
export async function readContainerLogs(
  docker: Docker,
  containerId: string,
  service: string,
  options: { follow: boolean; tail?: number | 'all'; since?: string; signal?: AbortSignal },
  onLine: (line: LogLine) => void,
): Promise<{ Running: boolean; FinishedAt: string }> {
  const container = docker.getContainer(containerId);
  const { Config, State } = await container.inspect({ abortSignal: options.signal });
  const parser = new LogStreamParser(service, Boolean(Config.Tty), onLine);
  const request: Docker.ContainerLogsOptions = { stdout: true, stderr: true, timestamps: true, abortSignal: options.signal };
  if (typeof options.tail === 'number') request.tail = options.tail;
  if (options.since !== undefined) request.since = options.since;
  if (!options.follow) {
    const body = (await container.logs({ ...request, follow: false })) as unknown;
    parser.push(Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : ''));
    parser.end();
    return State;
  }
  if (options.signal?.aborted) return State;
  const stream = (await container.logs({ ...request, follow: true })) as Readable;
  const stop = () => stream.destroy();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) parser.push(chunk as Uint8Array);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    parser.end();
  }
  return State;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** Splits a `timestamps: true` log entry into its time and text; time is null when there is none. */
export function splitTimestamp(text: string): { time: string | null; text: string } {
  const match = TIMESTAMP.exec(text);
  return match?.[1] ? { time: match[1], text: text.slice(match[0].length) } : { time: null, text };
}

/**
 * Turns a container's log stream (with `timestamps: true`) into lines. Multiplexed: every frame
 * is one log entry starting with its timestamp; an entry without a newline (a long line the
 * engine split) is continued by the next entry of the same stream. Raw (TTY): lines each start
 * with their timestamp.
 */
export class LogStreamParser {
  private readonly demuxer: StreamDemuxer | null;
  private readonly splitters: Record<OutputStream, LineSplitter>;
  private readonly lineTime: Record<OutputStream, string | null> = { stdout: null, stderr: null };
  private readonly frameTime: Record<OutputStream, string | null> = { stdout: null, stderr: null };

  constructor(
    private readonly service: string,
    private readonly tty: boolean,
    private readonly onLine: (line: LogLine) => void,
  ) {
    const splitter = (stream: OutputStream) =>
      new LineSplitter((line) => {
        if (this.tty) {
          const { time, text } = splitTimestamp(line);
          this.onLine({ service: this.service, stream, line: text, time });
          return;
        }
        this.onLine({ service: this.service, stream, line, time: this.lineTime[stream] });
        this.lineTime[stream] = this.frameTime[stream];
      });
    this.splitters = { stdout: splitter('stdout'), stderr: splitter('stderr') };
    this.demuxer = tty ? null : new StreamDemuxer((stream, payload) => this.frame(stream, payload));
  }

  push(chunk: Uint8Array): void {
    if (this.demuxer) this.demuxer.push(chunk);
    else this.splitters.stdout.push(chunk);
  }

  end(): void {
    this.demuxer?.end();
    this.splitters.stdout.flush();
    this.splitters.stderr.flush();
  }

  private frame(stream: OutputStream, payload: Buffer): void {
    if (this.demuxer?.passthrough) {
      // Not multiplexed after all: treat it as a TTY stream.
      this.splitters.stdout.push(payload);
      return;
    }
    const head = payload.subarray(0, 48).toString('latin1');
    const match = TIMESTAMP.exec(head);
    const time = match?.[1] ?? null;
    const splitter = this.splitters[stream];
    this.frameTime[stream] = time;
    if (!splitter.midLine) this.lineTime[stream] = time;
    splitter.push(match ? payload.subarray(match[0].length) : payload);
  }
}

/**
 * Lines of several containers merged by time. Each container's own order is kept as the engine
 * gave it (its stdout and stderr are timed by separate readers, so their times can be a hair out
 * of order); a line without a time goes with the line before it.
 */
export function mergeByTime(groups: LogLine[][]): LogLine[] {
  const keyed = groups.map((lines) => {
    let last = '';
    return lines.map((line) => {
      if (line.time) last = line.time;
      return { line, key: line.time ?? last };
    });
  });
  const positions = keyed.map(() => 0);
  const merged: LogLine[] = [];
  for (;;) {
    let best = -1;
    keyed.forEach((group, index) => {
      const head = group[positions[index] ?? 0];
      if (!head) return;
      const current = best === -1 ? undefined : keyed[best]?.[positions[best] ?? 0];
      if (!current || compareTimes(head.key, current.key) < 0) best = index;
    });
    if (best === -1) return merged;
    const next = keyed[best]?.[positions[best] ?? 0];
    if (next) merged.push(next.line);
    positions[best] = (positions[best] ?? 0) + 1;
  }
}

function compareTimes(a: string, b: string): number {
  if (a === b) return 0;
  if (!a || !b) return a ? 1 : -1;
  // RFC3339NanoFixed in UTC has a fixed width, so text order is time order.
  if (a.length === b.length && a.endsWith('Z') && b.endsWith('Z')) return a < b ? -1 : 1;
  return nanoTime(a) < nanoTime(b) ? -1 : nanoTime(a) > nanoTime(b) ? 1 : 0;
}

function isAfter(time: string, reference: string): boolean {
  return compareTimes(time, reference) > 0;
}

/** An RFC 3339 time as nanoseconds since the epoch (exact, unlike Date). */
function nanoTime(time: string): bigint {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!match) return BigInt(Date.parse(time) || 0) * 1_000_000n;
  const seconds = BigInt(Math.floor(Date.parse(`${match[1]}${match[3]}`) / 1000));
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  return seconds * 1_000_000_000n + fraction;
}

/**
 * A time as the engine's `since` parameter wants it: Unix seconds with an optional fraction of up
 * to nine digits. RFC 3339 times keep their nanoseconds.
 */
export function dockerTimestamp(value: Date | number | string, now = Date.now()): string {
  if (value instanceof Date) return (value.getTime() / 1000).toFixed(3);
  if (typeof value === 'number') return String(value);
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (relative) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return ((now - Number(relative[1]) * unit) / 1000).toFixed(3);
  }
  if (Number.isNaN(Date.parse(value))) throw new Error(`"${value}" is not a time: use an RFC 3339 time, Unix seconds, or a duration such as 10m.`);
  const nanos = nanoTime(value);
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}
