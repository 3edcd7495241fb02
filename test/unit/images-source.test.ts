import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DockerfileSourceError, isPublicAddress, isUrl, loadDockerfile, MAX_DOCKERFILE_BYTES, MAX_REDIRECTS, URL_TIMEOUT_MS, type SourceErrorCode, type SourceOptions,
} from '../../core/images/source.ts';

const MiB = 1024 * 1024;
const DOCKERFILE = 'FROM ${BASE}\nRUN echo hi\n';

/** The tests' own server listens on 127.0.0.1, which Paddock refuses unless told otherwise. */
const fromTestServer: SourceOptions = { allowAddress: (address) => address === '127.0.0.1' };

/** The DockerfileSourceError a load fails with; fails the test if it loads or throws something else. */
async function failure(source: string, options?: SourceOptions): Promise<DockerfileSourceError> {
  try {
    await loadDockerfile(source, { ...fromTestServer, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(DockerfileSourceError);
    return error as DockerfileSourceError;
  }
  throw new Error(`${source} loaded, but it should have failed`);
}

async function codeOf(source: string, options?: SourceOptions): Promise<SourceErrorCode> {
  return (await failure(source, options)).code;
}

describe('limits', () => {
  it('are 1 MiB, 30 s and 5 redirects', () => {
    expect(MAX_DOCKERFILE_BYTES).toBe(MiB);
    expect(URL_TIMEOUT_MS).toBe(30_000);
    expect(MAX_REDIRECTS).toBe(5);
  });
});

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
    '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['1.1.1.1', '8.8.8.8', '2606:4700::1111', '::ffff:1.1.1.1'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it("refuses this computer's own addresses", () => {
    for (const entry of Object.values(os.networkInterfaces()).flatMap((list) => list ?? [])) expect(isPublicAddress(entry.address)).toBe(false);
  });
});

describe('isUrl', () => {
  it.each([
    ['http://example.com/Dockerfile', true],
    ['HTTPS://example.com/Dockerfile', true],
    ['https://example.com', true],
    ['/home/alice/Dockerfile', false],
    ['ftp://example.com/Dockerfile', false],
    ['file:///home/alice/Dockerfile', false],
    ['http:/example.com', false],
    ['~/Dockerfile', false],
  ])('%s → %s', (source, expected) => {
    expect(isUrl(source)).toBe(expected);
  });
});

describe('loadDockerfile from a file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-source-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file, with its path as the origin', async () => {
    const file = path.join(dir, 'good.Dockerfile');
    fs.writeFileSync(file, DOCKERFILE);
    expect(await loadDockerfile(file)).toEqual({ text: DOCKERFILE, origin: file });
  });

  it('reads UTF-8 and keeps CRLF as is', async () => {
    const file = path.join(dir, 'crlf.Dockerfile');
    fs.writeFileSync(file, 'FROM ${BASE}\r\nLABEL author="Zoë"\r\n');
    expect((await loadDockerfile(file)).text).toBe('FROM ${BASE}\r\nLABEL author="Zoë"\r\n');
  });

  it('a missing file is NOT_FOUND, naming the file', async () => {
    const file = path.join(dir, 'missing.Dockerfile');
    const error = await failure(file);
    expect(error).toMatchObject({ code: 'NOT_FOUND', source: file, name: 'DockerfileSourceError' });
    expect(error.message).toContain(file);
    expect(error).toBeInstanceOf(Error);
  });

  it('a file below a missing folder is NOT_FOUND too', async () => {
    expect(await codeOf(path.join(dir, 'no', 'such', 'Dockerfile'))).toBe('NOT_FOUND');
  });

  it('a folder is UNREADABLE', async () => {
    const folder = path.join(dir, 'a-folder');
    fs.mkdirSync(folder);
    const error = await failure(folder);
    expect(error).toMatchObject({ code: 'UNREADABLE', source: folder });
    expect(error.message).toMatch(/not a file/);
  });

  // Root reads any file whatever its mode, so this only means something for a normal user.
  it.skipIf(process.getuid?.() === 0)('a file without read permission is UNREADABLE', async () => {
    const file = path.join(dir, 'locked.Dockerfile');
    fs.writeFileSync(file, DOCKERFILE);
    fs.chmodSync(file, 0o000);
    expect(await codeOf(file)).toBe('UNREADABLE');
  });

  it('a named pipe is UNREADABLE at once, instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'pipe.Dockerfile');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const outcome = loadDockerfile(fifo).then(
      () => 'loaded',
      (error: DockerfileSourceError) => error.code,
    );
    const first = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 1 s'), 1_000))]);
    if (first === 'still waiting after 1 s') {
      // Unblock the open() so no thread stays stuck after the test.
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      await outcome;
    }
    expect(first).toBe('UNREADABLE');
  });

  it('a file of exactly 1 MiB loads', async () => {
    const file = path.join(dir, 'exact.Dockerfile');
    fs.writeFileSync(file, Buffer.alloc(MiB, 'a'));
    expect((await loadDockerfile(file)).text).toHaveLength(MiB);
  });

  it('a file one byte over 1 MiB is TOO_LARGE', async () => {
    const file = path.join(dir, 'big.Dockerfile');
    fs.writeFileSync(file, Buffer.alloc(MiB + 1, 'a'));
    const error = await failure(file);
    expect(error).toMatchObject({ code: 'TOO_LARGE', source: file });
    expect(error.message).toContain('1024 KiB');
  });

  it('honours a smaller maxBytes', async () => {
    const file = path.join(dir, 'small.Dockerfile');
    fs.writeFileSync(file, 'x'.repeat(11));
    expect(await codeOf(file, { maxBytes: 10 })).toBe('TOO_LARGE');
    expect((await loadDockerfile(file, { maxBytes: 11 })).text).toBe('x'.repeat(11));
  });
});

describe('loadDockerfile from a URL', () => {
  let server: http.Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push(url.pathname);
      const redirect = /^\/hops\/(\d+)$/.exec(url.pathname);
      if (redirect) {
        const left = Number(redirect[1]);
        res.writeHead(302, { location: left > 1 ? `/hops/${left - 1}` : '/ok' });
        return res.end();
      }
      switch (url.pathname) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end(DOCKERFILE);
        case '/relative':
          res.writeHead(301, { location: 'ok' });
          return res.end();
        case '/missing':
          res.writeHead(404, { 'content-type': 'text/plain' });
          return res.end('not here');
        case '/error':
          res.writeHead(500);
          return res.end();
        case '/to-ftp':
          res.writeHead(302, { location: 'ftp://127.0.0.1/Dockerfile' });
          return res.end();
        case '/to-other-loopback':
          res.writeHead(302, { location: `http://127.0.0.2:${(server.address() as AddressInfo).port}/ok` });
          return res.end();
        case '/to-file':
          res.writeHead(307, { location: 'file:///etc/passwd' });
          return res.end();
        case '/exact-chunked':
        case '/big-chunked': {
          // No content-length: node sends it chunked, so only the streamed byte count can tell.
          res.writeHead(200, { 'content-type': 'text/plain' });
          let left = url.pathname === '/big-chunked' ? MiB + 1 : MiB;
          const chunk = Buffer.alloc(64 * 1024, 'a');
          const pump = () => {
            while (left > 0) {
              const piece = chunk.subarray(0, Math.min(chunk.length, left));
              left -= piece.length;
              if (!res.write(piece)) return res.once('drain', pump);
            }
            res.end();
          };
          return pump();
        }
        case '/big-declared':
          res.writeHead(200, { 'content-length': String(2 * MiB) });
          res.write('a'.repeat(1024));
          // The rest never comes: the declared length alone must be enough to refuse.
          return;
        case '/no-answer':
          // Never answers.
          return;
        case '/slow-body':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('FROM ${BASE}\n');
          // ...and never finishes.
          return;
        default:
          res.writeHead(400);
          return res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    requests.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('loads a 200 answer, with the URL as the origin', async () => {
    expect(await loadDockerfile(`${base}/ok`, fromTestServer)).toEqual({ text: DOCKERFILE, origin: `${base}/ok` });
  });

  it('a 404 is HTTP_STATUS, naming the status', async () => {
    const error = await failure(`${base}/missing`);
    expect(error).toMatchObject({ code: 'HTTP_STATUS', source: `${base}/missing` });
    expect(error.message).toContain('404');
  });

  it('a 500 is HTTP_STATUS', async () => {
    expect(await codeOf(`${base}/error`)).toBe('HTTP_STATUS');
  });

  it('follows a relative redirect, and the origin is where it finally came from', async () => {
    expect(await loadDockerfile(`${base}/relative`, fromTestServer)).toEqual({ text: DOCKERFILE, origin: `${base}/ok` });
  });

  it('follows a chain of 5 redirects', async () => {
    expect(await loadDockerfile(`${base}/hops/5`, fromTestServer)).toEqual({ text: DOCKERFILE, origin: `${base}/ok` });
    expect(requests).toEqual(['/hops/5', '/hops/4', '/hops/3', '/hops/2', '/hops/1', '/ok']);
  });

  it('refuses a 6th redirect with REDIRECTS, without fetching its target', async () => {
    const error = await failure(`${base}/hops/6`);
    expect(error).toMatchObject({ code: 'REDIRECTS', source: `${base}/hops/6` });
    expect(requests).toEqual(['/hops/6', '/hops/5', '/hops/4', '/hops/3', '/hops/2', '/hops/1']);
  });

  it('honours a smaller maxRedirects', async () => {
    expect(await codeOf(`${base}/hops/2`, { maxRedirects: 1 })).toBe('REDIRECTS');
    expect((await loadDockerfile(`${base}/hops/1`, { ...fromTestServer, maxRedirects: 1 })).text).toBe(DOCKERFILE);
  });

  it.each(['/to-ftp', '/to-file'])('a redirect to a non-http(s) scheme (%s) is SCHEME', async (route) => {
    const error = await failure(`${base}${route}`);
    expect(error).toMatchObject({ code: 'SCHEME', source: `${base}${route}` });
  });

  it('a chunked body of exactly 1 MiB loads', async () => {
    expect((await loadDockerfile(`${base}/exact-chunked`, fromTestServer)).text).toHaveLength(MiB);
  });

  it('a chunked body over 1 MiB (no content-length) is TOO_LARGE', async () => {
    expect(await codeOf(`${base}/big-chunked`)).toBe('TOO_LARGE');
  });

  it('a declared content-length over 1 MiB is TOO_LARGE before the body arrives', async () => {
    expect(await codeOf(`${base}/big-declared`, { timeoutMs: 5_000 })).toBe('TOO_LARGE');
  });

  it('a server that does not answer in time is TIMEOUT', async () => {
    const started = Date.now();
    const error = await failure(`${base}/no-answer`, { timeoutMs: 150 });
    expect(error).toMatchObject({ code: 'TIMEOUT', source: `${base}/no-answer` });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a body that does not finish in time is TIMEOUT (one deadline for the whole download)', async () => {
    expect(await codeOf(`${base}/slow-body`, { timeoutMs: 150 })).toBe('TIMEOUT');
  });

  it('an already-aborted caller signal rejects with the caller’s reason', async () => {
    const reason = new Error('the user cancelled');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(loadDockerfile(`${base}/ok`, { ...fromTestServer, signal: controller.signal })).rejects.toBe(reason);
  });

  it('a caller abort during the download rejects with the caller’s reason, not TIMEOUT', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(loadDockerfile(`${base}/slow-body`, { ...fromTestServer, signal: controller.signal, timeoutMs: 5_000 })).rejects.toBe(reason);
  });

  it('a refused connection is NETWORK', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await codeOf(`http://127.0.0.1:${port}/Dockerfile`, { timeoutMs: 5_000 })).toBe('NETWORK');
  });

  it('refuses a loopback server: the address itself, and a name that resolves to it (ADDRESS), before any request', async () => {
    const literal = await loadDockerfile(`${base}/ok`).catch((error: unknown) => error);
    expect(literal).toBeInstanceOf(DockerfileSourceError);
    expect((literal as DockerfileSourceError).code).toBe('ADDRESS');
    expect((literal as DockerfileSourceError).message).toMatch(/127\.0\.0\.1, a loopback, private, link-local or reserved address.*only from public addresses/);
    const named = await loadDockerfile(base.replace('127.0.0.1', 'localhost') + '/ok').catch((error: unknown) => error);
    expect((named as DockerfileSourceError).code).toBe('ADDRESS');
    expect(requests).toEqual([]);
  });

  it('checks every redirect: a hop to another loopback address is refused (ADDRESS)', async () => {
    expect(await codeOf(`${base}/to-other-loopback`)).toBe('ADDRESS');
    expect(requests).toEqual(['/to-other-loopback']);
  });

  it('a host that does not resolve (.invalid) is DNS', async () => {
    // RFC 6761: .invalid never resolves, so this needs no network.
    const error = await failure('http://paddock-test.invalid/Dockerfile', { timeoutMs: 10_000 });
    expect(error.code).toBe('DNS');
    expect(error.message).toContain('paddock-test.invalid');
  });
});
