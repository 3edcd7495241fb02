import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApi, type Api } from '../../core/api/handlers.ts';
import type { InitialState } from '../../core/api/initial-state.ts';
import { cookieName, readCookie, serve, staticPath, tokenMatches, type ServeHandle } from '../../core/api/serve.ts';
import type { ServerMessage } from '../../core/api/ws-protocol.ts';
import { DockerConnectionError } from '../../core/docker/connect.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so the Host header and the path go out exactly as written. */
function request(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with it once open, or with the HTTP status the upgrade was refused with. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, match: (message: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (!match(message)) return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

describe('paddock serve, without an engine', () => {
  let dir: string;
  let api: Api;
  let server: ServeHandle;
  let base: string;
  let cookie: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-serve-'));
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Paddock</title><script type="module" src="./assets/app.js"></script>');
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log("hi")');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(dist, 'link.txt'));
    api = createApi({
      configFile: path.join(dir, 'config.toml'),
      env: {},
      home: dir,
      connect: () => Promise.reject(new DockerConnectionError([], 'Start Docker.')),
    });
    server = await serve({ api, staticDir: dist, token: 'test-token-0123456789' });
    base = `http://127.0.0.1:${server.port}`;
    cookie = `${cookieName(server.port)}=test-token-0123456789`;
  });

  afterAll(async () => {
    await server?.close();
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints an address on 127.0.0.1 that carries the token', () => {
    expect(server.url).toBe(`${base}/?token=test-token-0123456789`);
  });

  it('refuses pages without the token, or with a wrong one', async () => {
    for (const target of ['/', '/index.html', '/assets/app.js', '/?token=wrong']) {
      const answer = await request(server.port, target);
      expect(answer.status, target).toBe(401);
      expect(answer.body).not.toContain('Paddock</title><script');
    }
    expect((await request(server.port, '/', { cookie: `${cookieName(server.port)}=wrong` })).status).toBe(401);
    // Another port's cookie is another server's.
    expect((await request(server.port, '/', { cookie: `${cookieName(server.port + 1)}=test-token-0123456789` })).status).toBe(401);
  });

  it('moves the token from the address into an HttpOnly, SameSite=Strict cookie', async () => {
    const answer = await request(server.port, '/?token=test-token-0123456789&view=logs');
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/?view=logs');
    const [setCookie] = answer.headers['set-cookie'] ?? [];
    expect(setCookie).toBe(`${cookieName(server.port)}=test-token-0123456789; HttpOnly; SameSite=Strict; Path=/`);
  });

  it('serves the built app with the cookie, under a strict CSP', async () => {
    const page = await request(server.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>Paddock</title>');
    const csp = page.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await request(server.port, '/assets/app.js', { cookie });
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    // A client-side route gets the app; a missing file does not.
    expect((await request(server.port, '/workspaces/web', { cookie })).body).toContain('<title>Paddock</title>');
    expect((await request(server.port, '/missing.js', { cookie })).status).toBe(404);
  });

  it('puts what the first view needs into the page, where no config text can end its element', async () => {
    fs.writeFileSync(path.join(dir, 'config.toml'), '# </script><script>alert(1)</script>\n[workspaces.web]\npaths = []\n');
    const page = await request(server.port, '/', { cookie });
    expect(page.body.match(/<script/g)).toHaveLength(2);
    const block = /<script type="application\/json" id="paddock-initial-state">(.*?)<\/script>/.exec(page.body);
    const state = JSON.parse(block?.[1] ?? '{}') as InitialState;
    expect(state.info).toMatchObject({ configFile: path.join(dir, 'config.toml') });
    expect(state.config?.text).toContain('# </script><script>alert(1)</script>');
    expect(state.config?.workspaces.map((workspace) => workspace.name)).toEqual(['web']);
    fs.rmSync(path.join(dir, 'config.toml'));
  });

  it('never serves a file outside the build folder', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/link.txt', '/%00']) {
      const answer = await request(server.port, target, { cookie });
      expect(answer.status, target).toBe(404);
      expect(answer.body).not.toContain('outside');
    }
  });

  it('answers only under its own host name, and only GET and HEAD', async () => {
    expect((await request(server.port, '/', { cookie, host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await request(server.port, '/', { cookie, host: `localhost:${server.port}` })).status).toBe(200);
    expect((await request(server.port, '/', { cookie }, 'POST')).status).toBe(405);
    const head = await request(server.port, '/', { cookie }, 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('refuses sockets without the token, with a wrong one, or from another origin', async () => {
    const socket = `ws://127.0.0.1:${server.port}/api`;
    expect(await connect(socket)).toBe(401);
    expect(await connect(`${socket}?token=wrong`)).toBe(401);
    expect(await connect(`${socket}?token=test-token-0123456789`, { origin: 'http://evil.example' })).toBe(403);
    expect(await connect(`${socket}?token=test-token-0123456789`, { origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await connect(`ws://127.0.0.1:${server.port}/other?token=test-token-0123456789`)).toBe(404);
  });

  it('answers calls over a socket opened with the cookie from a page of its own', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api`, { origin: base, cookie });
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
    try {
      const answer = nextMessage(ws, (message) => message.type !== 'event');
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'app.info' }));
      expect(await answer).toMatchObject({ type: 'result', id: 1, output: { configFile: path.join(dir, 'config.toml') } });

      const engine = nextMessage(ws, (message) => message.type !== 'event');
      ws.send(JSON.stringify({ type: 'call', id: 'two', method: 'instances.list', input: {} }));
      expect(await engine).toMatchObject({ type: 'error', id: 'two', error: { code: 'engine-unavailable', details: { hint: 'Start Docker.' } } });

      const unknown = nextMessage(ws, (message) => message.type !== 'event');
      ws.send(JSON.stringify({ type: 'call', id: 3, method: 'rm -rf' }));
      expect(await unknown).toMatchObject({ type: 'error', id: 3, error: { code: 'unknown-method' } });

      const invalid = nextMessage(ws, (message) => message.type !== 'event');
      ws.send(JSON.stringify({ type: 'call', id: 4, method: 'workspaces.up', input: { workspace: 'A B' } }));
      expect(await invalid).toMatchObject({ type: 'error', id: 4, error: { code: 'invalid-input' } });

      const garbage = nextMessage(ws, (message) => message.type !== 'event');
      ws.send('{not json');
      expect(await garbage).toMatchObject({ type: 'error', id: null, error: { code: 'invalid-message' } });

      const malformed = nextMessage(ws, (message) => message.type !== 'event');
      ws.send(JSON.stringify({ type: 'call', id: 5 }));
      expect(await malformed).toMatchObject({ type: 'error', id: 5, error: { code: 'invalid-message' } });
    } finally {
      ws.close();
    }
  });

  it('pushes events to the socket', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=test-token-0123456789`);
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
    try {
      const read = nextMessage(ws, (message) => message.type === 'result');
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'config.read' }));
      await read;
      const changed = nextMessage(ws, (message) => message.type === 'event' && message.event === 'config.changed');
      fs.writeFileSync(path.join(dir, 'config.toml'), '[workspaces.web]\npaths = []\n');
      expect(await changed).toMatchObject({ payload: { file: path.join(dir, 'config.toml'), hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    } finally {
      ws.close();
    }
  });
});

describe('serve helpers', () => {
  it('compares tokens by content, whatever their lengths', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('abcd', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });

  it('reads one cookie among several', () => {
    expect(readCookie('a=1; paddock_token_80=xyz; b=2', 'paddock_token_80')).toBe('xyz');
    expect(readCookie('paddock_token_8080=xyz', 'paddock_token_80')).toBeNull();
    expect(readCookie(undefined, 'x')).toBeNull();
  });

  it('maps request paths into the build folder only', () => {
    expect(staticPath('/srv/app', '/assets/a.js')).toBe('/srv/app/assets/a.js');
    expect(staticPath('/srv/app', '/')).toBe('/srv/app');
    expect(staticPath('/srv/app', '/../etc/passwd')).toBe('/srv/app/etc/passwd');
    expect(staticPath('/srv/app', '/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/app/etc/passwd');
    expect(staticPath('/srv/app', '/a%00b')).toBeNull();
    expect(staticPath('/srv/app', '/%E0%A4%A')).toBeNull();
    expect(staticPath('/srv/app', '/..\\..\\x')).toBeNull();
  });
});

describe('paddock serve without a built app', () => {
  it('says how to build it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-serve-'));
    const api = createApi({ configFile: path.join(dir, 'config.toml'), env: {}, home: dir, connect: () => new Promise(() => undefined) });
    const server = await serve({ api, staticDir: path.join(dir, 'missing'), token: 't' });
    try {
      const answer = await request(server.port, '/', { cookie: `${cookieName(server.port)}=t` });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatch(/not built/);
      expect(answer.body).toMatch(/npm run build:renderer/);
    } finally {
      await server.close();
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
