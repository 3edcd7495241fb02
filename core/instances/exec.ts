import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { abortReason, sleep, StreamDemuxer } from '../docker/streams.ts';

export interface ExecOptions {
  cmd: string[];
  /** Allocate a pseudo-terminal: output comes as one raw stream (to stdout), and resize() applies. */
  tty?: boolean;
  /** `user`, `uid` or `uid:gid`; default the container's user. */
  user?: string;
  env?: Record<string, string> | string[];
  workdir?: string;
  /** Piped to the process; when it ends, the process's stdin is closed. Without it the process gets no stdin. */
  stdin?: NodeJS.ReadableStream | null;
  stdout?: NodeJS.WritableStream | null;
  /** Where stderr goes without a TTY (with one, stderr is part of the terminal's output). */
  stderr?: NodeJS.WritableStream | null;
  /** Detaches: the streams are closed and exitCode rejects. The process itself is not killed (the Engine API cannot). */
  signal?: AbortSignal;
}

export interface ExecSession {
  /** The exec's ID. */
  id: string;
  /** Sets the terminal size (TTY only); ignored once the process has exited. */
  resize(cols: number, rows: number): Promise<void>;
  /** The process's exit code, once its output has ended. */
  exitCode: Promise<number>;
}

/**
 * Runs a command in a running container, like `docker exec`: stdin piped in, output piped out
 * (demultiplexed into stdout and stderr unless it has a TTY), and the exit code once it ends.
 */
export async function execInInstance(docker: Docker, containerId: string, options: ExecOptions): Promise<ExecSession> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const tty = Boolean(options.tty);
  const env = Array.isArray(options.env) ? options.env : options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: options.cmd,
    AttachStdin: Boolean(options.stdin),
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    ...(options.user ? { User: options.user } : {}),
    ...(env ? { Env: env } : {}),
    ...(options.workdir ? { WorkingDir: options.workdir } : {}),
    abortSignal: signal,
  });
  const socket = (await exec.start({ hijack: true, stdin: true, Detach: false, Tty: tty })) as Duplex;
  let finished = false;

  const exitCode = new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (options.stdin) options.stdin.unpipe(socket);
      outcome();
    };
    const onAbort = () => {
      settle(() => reject(abortReason(signal as AbortSignal)));
      socket.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();

    const ended = () => {
      if (settled) return;
      waitForExit(exec, signal).then(
        (code) => settle(() => resolve(code)),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    socket.once('end', ended);
    socket.once('close', ended);
    // `on`, not `once`: a late write from stdin to a closed socket must not become an uncaught error.
    socket.on('error', (error) => settle(() => reject(error)));
  });
  exitCode.catch(() => undefined);

  pipeOutput(socket, tty, options.stdout ?? null, options.stderr ?? null);
  if (options.stdin) {
    // When stdin ends, the socket is half-closed: the process sees EOF, its output still comes back.
    options.stdin.pipe(socket, { end: true });
  }

  return {
    id: exec.id,
    exitCode,
    async resize(cols: number, rows: number) {
      if (!tty || finished) return;
      const w = Math.max(1, Math.floor(cols));
      const h = Math.max(1, Math.floor(rows));
      try {
        await exec.resize({ h, w });
      } catch (error) {
        // The process may have exited between the check and the call.
        if (!finished && !(await hasExited(exec))) throw error;
      }
    },
  };
}

/** Copies the exec's output to the given streams, pausing the socket while a stream is full. */
function pipeOutput(socket: Duplex, tty: boolean, stdout: NodeJS.WritableStream | null, stderr: NodeJS.WritableStream | null): void {
  let waiting = 0;
  const write = (target: NodeJS.WritableStream | null, chunk: Uint8Array) => {
    if (!target || target.write(chunk)) return;
    waiting++;
    socket.pause();
    target.once('drain', () => {
      if (--waiting === 0) socket.resume();
    });
  };
  if (tty) {
    socket.on('data', (chunk: Uint8Array) => write(stdout, chunk));
    return;
  }
  const demuxer = new StreamDemuxer((stream, payload) => write(stream === 'stderr' ? stderr : stdout, payload));
  socket.on('data', (chunk: Uint8Array) => demuxer.push(chunk));
  socket.once('end', () => demuxer.end());
}

/**
 * The exit code, from inspecting the exec once its stream has ended. The engine may close the
 * stream a moment before it records the exit, so this polls briefly until it is no longer running.
 */
async function waitForExit(exec: Docker.Exec, signal: AbortSignal | undefined): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const info = await exec.inspect();
    if (!info.Running) {
      if (typeof info.ExitCode === 'number') return info.ExitCode;
      throw new Error(`exec ${exec.id} ended without an exit code`);
    }
    if (Date.now() > deadline) throw new Error(`exec ${exec.id}: its output ended, but the process still runs after 30 s`);
    await sleep(delay, signal);
    if (signal?.aborted) throw abortReason(signal);
  }
}

async function hasExited(exec: Docker.Exec): Promise<boolean> {
  try {
    return !(await exec.inspect()).Running;
  } catch {
    return true;
  }
}
