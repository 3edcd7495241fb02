import { Duplex, PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { execInInstance } from '../../core/instances/exec.ts';
import { frame } from '../support/docker-stream.ts';


/** A fake engine: the hijacked socket is a Duplex the test feeds output into and reads stdin from. */
function fakeEngine({ runningPolls = 0, exitCode = 0 }: { runningPolls?: number; exitCode?: number } = {}) {
  const written: Buffer[] = [];
  let stdinClosed = false;
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
    final(callback) {
      stdinClosed = true;
      callback();
    },
  });
  const created: unknown[] = [];
  const started: unknown[] = [];
  const resized: unknown[] = [];
  let polls = 0;
  const exec = {
    id: 'exec-1',
    start: async (options: unknown) => {
      started.push(options);
      return socket;
    },
    inspect: async () => {
      polls++;
      return polls <= runningPolls ? { Running: true, ExitCode: null } : { Running: false, ExitCode: exitCode };
    },
    resize: async (options: unknown) => {
      resized.push(options);
    },
  };
  const docker = {
    getContainer: () => ({
      exec: async (options: Record<string, unknown>) => {
        created.push({ ...options, abortSignal: undefined });
        return exec;
      },
    }),
  } as unknown as Docker;
  return { docker, socket, written, created, started, resized, stdinClosed: () => stdinClosed, polls: () => polls };
}

function collect() {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

describe('execInInstance', () => {
  it('creates and starts a hijacked exec, demultiplexes its output and reports the exit code', async () => {
    const engine = fakeEngine({ runningPolls: 2, exitCode: 3 });
    const stdout = collect();
    const stderr = collect();
    const session = await execInInstance(engine.docker, 'c1', { cmd: ['sh', '-c', 'x'], user: '1000:1000', env: { A: '1', B: 'two words' }, workdir: '/w', stdout: stdout.stream, stderr: stderr.stream });
    expect(engine.created).toEqual([{ Cmd: ['sh', '-c', 'x'], AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, User: '1000:1000', Env: ['A=1', 'B=two words'], WorkingDir: '/w', abortSignal: undefined }]);
    expect(engine.started).toEqual([{ hijack: true, stdin: true, Detach: false, Tty: false }]);
    const output = Buffer.concat([frame(1, 'out '), frame(2, 'err\n'), frame(1, 'more\n')]);
    engine.socket.push(output.subarray(0, 5));
    engine.socket.push(output.subarray(5, 17));
    engine.socket.push(output.subarray(17));
    engine.socket.push(null);
    expect(await session.exitCode).toBe(3);
    expect(engine.polls()).toBe(3); // the engine may record the exit a moment after the stream ends
    expect(stdout.text()).toBe('out more\n');
    expect(stderr.text()).toBe('err\n');
    expect(session.id).toBe('exec-1');
    await session.resize(80, 24);
    expect(engine.resized).toEqual([]); // not a TTY
  });

  it('pipes stdin and half-closes when it ends', async () => {
    const engine = fakeEngine();
    const session = await execInInstance(engine.docker, 'c1', { cmd: ['cat'], stdin: Readable.from([Buffer.from('hello '), Buffer.from('world')]) });
    expect(engine.created[0]).toMatchObject({ AttachStdin: true });
    await vi.waitFor(() => expect(engine.stdinClosed()).toBe(true));
    expect(Buffer.concat(engine.written).toString()).toBe('hello world');
    engine.socket.push(null);
    expect(await session.exitCode).toBe(0);
  });

  it('passes a TTY’s raw output to stdout and resizes it', async () => {
    const engine = fakeEngine({ exitCode: 130 });
    const stdout = collect();
    const session = await execInInstance(engine.docker, 'c1', { cmd: ['bash'], tty: true, stdout: stdout.stream });
    expect(engine.created[0]).toMatchObject({ Tty: true });
    await session.resize(120.7, 40);
    expect(engine.resized).toEqual([{ h: 40, w: 120 }]);
    engine.socket.push(Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69])); // looks like a header: passed through untouched
    engine.socket.push(Buffer.from('$ '));
    engine.socket.push(null);
    expect(await session.exitCode).toBe(130);
    expect(stdout.text()).toBe('\x01\x00\x00\x00\x00\x00\x00\x02hi$ ');
    await session.resize(100, 30);
    expect(engine.resized).toHaveLength(1); // after exit: ignored
  });

  it('detaches when the signal aborts: exitCode rejects and the socket is destroyed', async () => {
    const engine = fakeEngine();
    const controller = new AbortController();
    const session = await execInInstance(engine.docker, 'c1', { cmd: ['sleep', '100'], signal: controller.signal });
    controller.abort(new Error('user pressed ^C'));
    await expect(session.exitCode).rejects.toThrow('user pressed ^C');
    expect(engine.socket.destroyed).toBe(true);
    await expect(execInInstance(engine.docker, 'c1', { cmd: ['true'], signal: controller.signal })).rejects.toThrow('user pressed ^C');
  });

  it('rejects when the connection fails', async () => {
    const engine = fakeEngine();
    const session = await execInInstance(engine.docker, 'c1', { cmd: ['true'] });
    engine.socket.destroy(new Error('socket hang up'));
    await expect(session.exitCode).rejects.toThrow('socket hang up');
  });
});
