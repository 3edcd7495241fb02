import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApi, type Api } from '../../core/api/handlers.ts';
import type { InitialState } from '../../core/api/initial-state.ts';
import { PAGE_TOKEN_KEY, RESTORE_SCRIPT_PATH, restoreTokenScript, takePageToken } from '../../core/api/page-token.ts';
import { serve, tokenMatches, type ServeHandle } from '../../core/api/serve.ts';
import { staticPath } from '../../core/api/static-path.ts';
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
  const page = (target: string) => `${target}${target.includes('?') ? '&' : '?'}token=test-token-0123456789`;

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
  });

  afterAll(async () => {
    await server?.close();
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints an address on 127.0.0.1 that carries the token', () => {
    expect(server.url).toBe(`${base}/?token=test-token-0123456789`);
  });

  it('refuses the app without the token, or with a wrong one, and offers to bring back the tab\'s token', async () => {
    for (const target of ['/', '/index.html', '/workspaces/web', '/?token=wrong', '/assets/app.js?token=wrong']) {
      const answer = await request(server.port, target);
      expect(answer.status, target).toBe(401);
      expect(answer.body).not.toContain('Paddock</title><script');
      expect(answer.body).toContain(`<script src="${RESTORE_SCRIPT_PATH}"></script>`);
    }
    // A cookie is no credential: browsers send it to the agent's port too.
    expect((await request(server.port, '/', { cookie: 'paddock_token=test-token-0123456789' })).status).toBe(401);
    const restore = await request(server.port, RESTORE_SCRIPT_PATH);
    expect([restore.status, restore.headers['content-type'], restore.body]).toEqual([200, 'text/javascript; charset=utf-8', restoreTokenScript()]);
  });

  it('serves the app with the token in its address, directly and under a strict CSP, and sets no cookie', async () => {
    const answer = await request(server.port, page('/?view=logs'));
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('<title>Paddock</title>');
    const csp = answer.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toContain('unsafe');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    // A client-side route gets the app; a missing file does not.
    expect((await request(server.port, page('/workspaces/web'))).body).toContain('<title>Paddock</title>');
    expect((await request(server.port, '/missing.js')).status).toBe(404);
  });

  it("serves the build's files without the token: they hold nothing of the user's", async () => {
    const script = await request(server.port, '/assets/app.js');
    expect([script.status, script.headers['content-type'], script.body]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log("hi")']);
  });

  it('puts what the first view needs into the page, where no config text can end its element', async () => {
    fs.writeFileSync(path.join(dir, 'config.toml'), '# </script><script>alert(1)</script>\n[workspaces.web]\npaths = []\n');
    const answer = await request(server.port, page('/'));
    expect(answer.body.match(/<script/g)).toHaveLength(2);
    const block = /<script type="application\/json" id="paddock-initial-state">(.*?)<\/script>/.exec(answer.body);
    const state = JSON.parse(block?.[1] ?? '{}') as InitialState;
    expect(state.info).toMatchObject({ configFile: path.join(dir, 'config.toml') });
    expect(state.config?.text).toContain('# </script><script>alert(1)</script>');
    expect(state.config?.workspaces.map((workspace) => workspace.name)).toEqual(['web']);
    fs.rmSync(path.join(dir, 'config.toml'));
  });

  it('never serves a file outside the build folder', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/link.txt', '/%00']) {
      const answer = await request(server.port, target);
      expect(answer.status, target).toBe(404);
      expect(answer.body).not.toContain('outside');
    }
  });

  it('answers only under its own host name, and only GET and HEAD', async () => {
    expect((await request(server.port, page('/'), { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await request(server.port, '/assets/app.js', { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await request(server.port, page('/'), { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await request(server.port, page('/'), {}, 'POST')).status).toBe(405);
    const head = await request(server.port, page('/'), {}, 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('refuses sockets without the token, with a wrong one, or from another origin', async () => {
    const socket = `ws://127.0.0.1:${server.port}/api`;
    expect(await connect(socket)).toBe(401);
    expect(await connect(socket, { origin: base, cookie: 'paddock_token=test-token-0123456789' })).toBe(401);
    expect(await connect(`${socket}?token=wrong`)).toBe(401);
    expect(await connect(`${socket}?token=test-token-0123456789`, { origin: 'http://evil.example' })).toBe(403);
    expect(await connect(`${socket}?token=test-token-0123456789`, { origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await connect(`ws://127.0.0.1:${server.port}/other?token=test-token-0123456789`)).toBe(404);
  });

  it('answers calls over a socket opened with the token from a page of its own', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=test-token-0123456789`, { origin: base });
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

  it("takes the page's token from its address into the tab's storage, and out of the address", () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (key: string) => stored.get(key) ?? null, setItem: (key: string, value: string) => void stored.set(key, value) };
    const replaced: string[] = [];
    const history = { state: { kept: true }, replaceState: (state: unknown, _unused: string, url: string) => void replaced.push(`${JSON.stringify(state)} ${url}`) };
    expect(takePageToken({ href: 'http://127.0.0.1:4000/?token=abc&view=x#/settings' }, history, storage)).toBe('abc');
    expect(stored.get(PAGE_TOKEN_KEY)).toBe('abc');
    expect(replaced).toEqual(['{"kept":true} http://127.0.0.1:4000/?view=x#/settings']);
    // A reload: the address has no token any more, the tab still holds it.
    expect(takePageToken({ href: 'http://127.0.0.1:4000/#/settings' }, history, storage)).toBe('abc');
    expect(replaced).toHaveLength(1);
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(takePageToken({ href: 'http://127.0.0.1:4000/?token=abc' }, history, refusing)).toBe('abc');
    expect(takePageToken({ href: 'http://127.0.0.1:4000/' }, history, refusing)).toBeNull();
    expect(takePageToken({ href: 'http://127.0.0.1:4000/' }, history, null)).toBeNull();
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
      const answer = await request(server.port, '/?token=t');
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
