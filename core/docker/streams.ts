import { Buffer } from 'node:buffer';

/** Which of a container's output streams a piece of output came from. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * Splits Docker's multiplexed stream (the format of `logs`, `attach` and `exec` without a TTY)
 * into its frames. Each frame is an 8-byte header — stream type (0 stdin, 1 stdout, 2 stderr),
 * three zero bytes, the payload length as a big-endian uint32 — then the payload. Chunks may
 * end anywhere, even inside a header; the demuxer keeps what is incomplete for the next push.
 *
 * When the first bytes are not a valid header (a TTY container's raw stream), the demuxer gives
 * up on framing and passes everything through as stdout, as the docker CLI does.
 */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;
  private started = false;

  constructor(private readonly onFrame: (stream: OutputStream, payload: Buffer) => void) {}

  push(chunk: Uint8Array): void {
    if (this.raw) {
      if (chunk.length) this.onFrame('stdout', Buffer.from(chunk));
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const type = this.pending[offset];
      const valid = (type === 0 || type === 1 || type === 2) && this.pending[offset + 1] === 0 && this.pending[offset + 2] === 0 && this.pending[offset + 3] === 0;
      if (!valid) {
        // Not framed after all (or framing lost): pass the rest through unchanged.
        this.raw = true;
        const rest = this.pending.subarray(offset);
        this.pending = Buffer.alloc(0);
        if (rest.length) this.onFrame('stdout', rest);
        return;
      }
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - 8 < size) break;
      this.started = true;
      const payload = this.pending.subarray(offset + 8, offset + 8 + size);
      offset += 8 + size;
      // Frame type 0 (stdin) never carries output; a TTY-less engine never sends it, but be lenient.
      if (payload.length) this.onFrame(type === 2 ? 'stderr' : 'stdout', payload);
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
  }

  /**
   * The stream ended. Bytes that never made a whole header are a short raw (TTY) stream and are
   * passed through; an incomplete frame of a framed stream is dropped (the engine cut it off).
   */
  end(): void {
    if (!this.raw && !this.started && this.pending.length) this.onFrame('stdout', this.pending);
    this.pending = Buffer.alloc(0);
  }

  /** Bytes of an incomplete frame still waiting for the rest of it. */
  get buffered(): number {
    return this.pending.length;
  }

  /** True once the stream turned out not to be multiplexed. */
  get passthrough(): boolean {
    return this.raw;
  }
}

/**
 * Turns chunks of bytes into lines. Handles chunks that split a line or a multi-byte UTF-8
 * character; strips the `\n` and a `\r` before it. `flush()` emits a last line without newline.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline !== -1; newline = text.indexOf('\n', start)) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.onLine(text.slice(start, end));
      start = newline + 1;
    }
    this.partial = text.slice(start);
  }

  /** True when a line has begun but not yet ended. */
  get midLine(): boolean {
    return this.partial.length > 0;
  }

  flush(): void {
    const text = this.partial + this.decoder.decode();
    this.partial = '';
    if (text) this.onLine(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}

/**
 * Parses newline-delimited JSON (the events and progress streams). Lines that are not JSON are
 * passed to `onInvalid` instead of failing the whole stream.
 */
export class JsonLinesParser<T = unknown> {
  private readonly lines: LineSplitter;

  constructor(onValue: (value: T) => void, onInvalid: (line: string, error: unknown) => void = () => undefined) {
    this.lines = new LineSplitter((line) => {
      if (!line.trim()) return;
      let value: T;
      try {
        value = JSON.parse(line) as T;
      } catch (error) {
        onInvalid(line, error);
        return;
      }
      onValue(value);
    });
  }

  push(chunk: Uint8Array | string): void {
    this.lines.push(chunk);
  }

  flush(): void {
    this.lines.flush();
  }
}

/** The text of a whole (finished) logs or exec output, stdout and stderr together. */
export function demuxToText(buffer: Uint8Array): string {
  const parts: Buffer[] = [];
  const demuxer = new StreamDemuxer((_stream, payload) => parts.push(payload));
  demuxer.push(buffer);
  demuxer.end();
  return Buffer.concat(parts).toString('utf8');
}

/** Resolves after `ms`, or as soon as the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The error to throw when an operation stops because its signal aborted. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
