import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dockerTimestamp, LogStreamParser, mergeByTime, splitTimestamp, type LogLine } from '../../core/instances/logs.ts';
import { JsonLinesParser, LineSplitter, sleep, StreamDemuxer, type OutputStream } from '../../core/docker/streams.ts';
import { frame } from '../support/docker-stream.ts';

/** One frame of Docker's multiplexed stream. */

/** `data` cut at the given offsets (sorted, deduplicated, within bounds). */
function cut(data: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    pieces.push(data.subarray(start, point));
    start = point;
  }
  return pieces;
}

function demux(chunks: Buffer[]): { stdout: string; stderr: string; frames: number } {
  const out: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  let frames = 0;
  const demuxer = new StreamDemuxer((stream, payload) => {
    frames++;
    out[stream].push(Buffer.from(payload));
  });
  for (const chunk of chunks) demuxer.push(chunk);
  demuxer.end();
  return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString(), frames };
}

describe('StreamDemuxer', () => {
  const big = 'x'.repeat(70_000);
  const stream = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, big), frame(2, 'é😀\n'), frame(1, '')]);

  it('splits whole frames into stdout and stderr', () => {
    expect(demux([stream])).toEqual({ stdout: `hello\n${big}`, stderr: 'oops\né😀\n', frames: 4 });
  });

  it('reassembles frames whose headers and payloads are split across chunks, at every offset', () => {
    const small = Buffer.concat([frame(1, 'ab'), frame(2, 'cd'), frame(1, 'ef')]);
    for (let a = 0; a <= small.length; a++) {
      for (let b = a; b <= small.length; b++) {
        expect(demux(cut(small, [a, b]))).toEqual({ stdout: 'abef', stderr: 'cd', frames: 3 });
      }
    }
  });

  it('reassembles any chunking of a long stream', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 40 }), (offsets) => {
        expect(demux(cut(stream, offsets))).toEqual({ stdout: `hello\n${big}`, stderr: 'oops\né😀\n', frames: 4 });
      }),
    );
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const frames: string[] = [];
    const demuxer = new StreamDemuxer((_, payload) => frames.push(payload.toString()));
    const data = frame(1, 'complete');
    demuxer.push(data.subarray(0, 10));
    expect(frames).toEqual([]);
    expect(demuxer.buffered).toBe(10);
    demuxer.push(data.subarray(10));
    expect(frames).toEqual(['complete']);
    expect(demuxer.buffered).toBe(0);
  });

  it('passes a stream that is not multiplexed (a TTY) through as stdout', () => {
    const result = demux([Buffer.from('plain terminal output\r\n'), Buffer.from('more')]);
    expect(result).toEqual({ stdout: 'plain terminal output\r\nmore', stderr: '', frames: 2 });
    // Shorter than a header: delivered when the stream ends.
    expect(demux([Buffer.from('$ ')])).toEqual({ stdout: '$ ', stderr: '', frames: 1 });
  });

  it('drops a frame the engine cut off at the end', () => {
    expect(demux([Buffer.concat([frame(1, 'whole'), frame(1, 'cut off').subarray(0, 11)])])).toEqual({ stdout: 'whole', stderr: '', frames: 1 });
  });
});

describe('LineSplitter', () => {
  function lines(chunks: Array<Buffer | string>, flush = true): string[] {
    const out: string[] = [];
    const splitter = new LineSplitter((line) => out.push(line));
    for (const chunk of chunks) splitter.push(chunk);
    if (flush) splitter.flush();
    return out;
  }

  it('splits on \\n, drops a \\r before it, and keeps empty lines', () => {
    expect(lines(['one\ntwo\r\n\nthree'])).toEqual(['one', 'two', '', 'three']);
    expect(lines(['one\ntwo\r\n\nthree'], false)).toEqual(['one', 'two', '']);
    expect(lines(['trailing\r'])).toEqual(['trailing']);
    expect(lines([''])).toEqual([]);
  });

  it('joins lines split across chunks, including inside \\r\\n and inside a UTF-8 character', () => {
    const text = Buffer.from('héllo wörld\r\n😀 end\nlast');
    const expected = ['héllo wörld', '😀 end', 'last'];
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b++) expect(lines(cut(text, [a, b]))).toEqual(expected);
    }
  });

  it('tells when a line has begun', () => {
    const splitter = new LineSplitter(() => undefined);
    expect(splitter.midLine).toBe(false);
    splitter.push('abc');
    expect(splitter.midLine).toBe(true);
    splitter.push('\n');
    expect(splitter.midLine).toBe(false);
  });
});

describe('JsonLinesParser', () => {
  it('parses newline-delimited JSON split anywhere, skipping blank lines and reporting bad ones', () => {
    const text = Buffer.from('{"a":1}\n\n{"b":"é"}\r\nnot json\n{"c":[1,2]}');
    for (let a = 0; a <= text.length; a++) {
      const values: unknown[] = [];
      const invalid: string[] = [];
      const parser = new JsonLinesParser((value) => values.push(value), (line) => invalid.push(line));
      for (const chunk of cut(text, [a])) parser.push(chunk);
      parser.flush();
      expect(values).toEqual([{ a: 1 }, { b: 'é' }, { c: [1, 2] }]);
      expect(invalid).toEqual(['not json']);
    }
  });
});

describe('log streams', () => {
  const t1 = '2026-11-23T17:43:44.462615901Z';
  const t2 = '2026-11-23T17:43:44.500000000Z';
  const t3 = '2026-11-23T17:43:45.000000001Z';

  function parse(chunks: Buffer[], tty = false): LogLine[] {
    const out: LogLine[] = [];
    const parser = new LogStreamParser('agent', tty, (line) => out.push(line));
    for (const chunk of chunks) parser.push(chunk);
    parser.end();
    return out;
  }

  it('strips each entry’s timestamp into time, stdout and stderr apart', () => {
    const data = Buffer.concat([frame(1, `${t1} out one\n`), frame(2, `${t2} err one\n`), frame(1, `${t3} out two\n`)]);
    const expected: LogLine[] = [
      { service: 'agent', stream: 'stdout', line: 'out one', time: t1 },
      { service: 'agent', stream: 'stderr', line: 'err one', time: t2 },
      { service: 'agent', stream: 'stdout', line: 'out two', time: t3 },
    ];
    for (let a = 0; a <= data.length; a += 3) expect(parse(cut(data, [a, a + 17]))).toEqual(expected);
  });

  it('joins a long line the engine split into partial entries, with the time of its start', () => {
    const data = Buffer.concat([frame(1, `${t1} aaaa`), frame(2, `${t2} err\n`), frame(1, `${t2} bbbb`), frame(1, `${t3} cc\n`), frame(1, `${t3} next\n`)]);
    expect(parse([data])).toEqual([
      { service: 'agent', stream: 'stderr', line: 'err', time: t2 },
      { service: 'agent', stream: 'stdout', line: 'aaaabbbbcc', time: t1 },
      { service: 'agent', stream: 'stdout', line: 'next', time: t3 },
    ]);
  });

  it('reads a TTY container’s raw log, each line with its timestamp', () => {
    const data = Buffer.from(`${t1} prompt$ ls\r\n${t2} file.txt\r\n${t3} no newline`);
    expect(parse(cut(data, [5, 40, 41]), true)).toEqual([
      { service: 'agent', stream: 'stdout', line: 'prompt$ ls', time: t1 },
      { service: 'agent', stream: 'stdout', line: 'file.txt', time: t2 },
      { service: 'agent', stream: 'stdout', line: 'no newline', time: t3 },
    ]);
  });

  it('keeps a line without a timestamp as is', () => {
    expect(parse([frame(1, 'no time here\n')])).toEqual([{ service: 'agent', stream: 'stdout', line: 'no time here', time: null }]);
    expect(splitTimestamp(`${t1} text with 2026-01-01T00:00:00Z inside`)).toEqual({ time: t1, text: 'text with 2026-01-01T00:00:00Z inside' });
    expect(splitTimestamp('2026-11-23T17:43:44+02:00 x')).toEqual({ time: '2026-11-23T17:43:44+02:00', text: 'x' });
    expect(splitTimestamp('plain')).toEqual({ time: null, text: 'plain' });
  });

  it('merges containers by time, keeping each container’s own order', () => {
    const line = (service: string, text: string, time: string | null, stream: OutputStream = 'stdout'): LogLine => ({ service, stream, line: text, time });
    const agent = [line('agent', 'a1', t1), line('agent', 'a-err', t3, 'stderr'), line('agent', 'a2', t2), line('agent', 'a3', null)];
    const firewall = [line('firewall', 'f1', '2026-11-23T17:43:44.480000000Z'), line('firewall', 'f2', '2026-11-23T17:43:46.000000000Z')];
    expect(mergeByTime([agent, firewall]).map((l) => l.line)).toEqual(['a1', 'f1', 'a-err', 'a2', 'a3', 'f2']);
    expect(mergeByTime([])).toEqual([]);
  });

  it('turns times into the engine’s since parameter', () => {
    expect(dockerTimestamp('2026-11-23T17:43:44.462615901Z')).toBe('1795455824.462615901');
    expect(dockerTimestamp('2026-11-23T19:43:44.5+02:00')).toBe('1795455824.500000000');
    expect(dockerTimestamp('2026-11-23T17:43:44Z')).toBe('1795455824.000000000');
    expect(dockerTimestamp(new Date(1_795_455_824_250))).toBe('1795455824.250');
    expect(dockerTimestamp(1_795_455_824)).toBe('1795455824');
    expect(dockerTimestamp('1795455824.5')).toBe('1795455824.5');
    expect(dockerTimestamp('10m', 1_795_455_824_000)).toBe('1795455224.000');
    expect(dockerTimestamp('2h', 1_795_455_824_000)).toBe('1795448624.000');
    expect(() => dockerTimestamp('yesterday')).toThrow(/not a time/);
  });
});

describe('sleep', () => {
  it('ends early when the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await pending;
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(10_000, controller.signal);
  });
});
