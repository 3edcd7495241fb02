import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ApiError } from './contract.ts';
import { contentSecurityPolicy } from './csp.ts';
import { toApiError } from './errors.ts';
import { initialStateElement, type InitialState } from './initial-state.ts';
import { RESTORE_SCRIPT_PATH, restoreTokenScript } from './page-token.ts';
import { STATIC_CONTENT_TYPES, staticPath } from './static-path.ts';
import type { Api } from './handlers.ts';
import { API_SOCKET_PATH, clientMessageSchema, MAX_CLIENT_MESSAGE_BYTES, type CallId, type ServerMessage } from './ws-protocol.ts';

/**
 * `paddock serve`: the app's UI and its API for a browser on this machine. Whoever holds the API
 * can start containers, so the server listens on 127.0.0.1 only, and the API socket and the app's
 * page (which carries the user's config) need the token it printed, in their address. The token
 * is never a cookie: the browser would send it to every port of 127.0.0.1, among them the ports
 * workspaces publish, where the agent reads it. The page holds it instead (see page-token.ts).
 * The built app's files hold nothing of the user's and are served without it. WebSockets from
 * another origin are refused even with the token, and the Host header must name this server (a
 * DNS-rebinding page would send its own name).
 */
export interface ServeOptions {
  api: Api;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (index.html and its assets). */
  staticDir?: string;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  /** Told about failures no request is waiting for. */
  onError?: (error: unknown) => void;
}

export interface ServeHandle {
  port: number;
  token: string;
  /** The address to open: it carries the token. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** A socket whose client reads slower than events arrive is closed rather than left to fill memory. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;


/** dist/renderer of this Paddock: found from the package root, whether this runs from core/ or from the dist/ bundle. */
export function defaultStaticDir(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(folder, 'package.json'))) return path.join(folder, 'dist', 'renderer');
    const parent = path.dirname(folder);
    if (parent === folder) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'renderer');
    folder = parent;
  }
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time: both sides are hashed to the same length first, so neither length nor content leaks. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  return crypto.timingSafeEqual(digest(given), digest(token));
}

/** The origins a page of this server has; a browser's WebSocket from any other is refused. */
export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function securityHeaders(port: number): Record<string, string> {
  const sockets = allowedOrigins(port).map((origin) => origin.replace(/^http:/, 'ws:'));
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connect: sockets }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

type Verdict = { ok: true; token: boolean } | { ok: false; status: number; reason: string };

/**
 * Whether a request may be answered, and whether it carries the token: the Host must name this
 * server, and a token in the address must be the right one. Only the address counts: a cookie
 * would reach the agent's port too.
 */
function authorize(request: http.IncomingMessage, url: URL, port: number, token: string): Verdict {
  if (!allowedHosts(port).includes((request.headers.host ?? '').toLowerCase())) {
    return { ok: false, status: 403, reason: 'This server answers only at 127.0.0.1 or localhost.' };
  }
  const given = url.searchParams.get('token');
  if (given === null) return { ok: true, token: false };
  if (tokenMatches(given, token)) return { ok: true, token: true };
  return { ok: false, status: 401, reason: 'The token in this address is wrong. If you restarted `paddock serve`, open the new address it printed.' };
}

const NEEDS_TOKEN = 'Open the full address `paddock serve` printed: it carries the token.';

/** A page of its own; with `restore`, it runs the script that brings back this tab's token (see page-token.ts). */
function page(title: string, message: string, restore = false): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const script = restore ? `<script src="${RESTORE_SCRIPT_PATH}"></script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>${script}</head><body><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>\n`;
}

export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const { api } = options;
  const token = options.token ?? newToken();
  const staticDir = path.resolve(options.staticDir ?? defaultStaticDir());
  const onError = options.onError ?? (() => undefined);
  let port = 0;

  const send = (response: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}, head = false) => {
    response.writeHead(status, { ...securityHeaders(port), 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra });
    response.end(head ? undefined : body);
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    const head = request.method === 'HEAD';
    const verdict = authorize(request, url, port, token);
    if (!verdict.ok) {
      const unauthorized = verdict.status === 401;
      send(response, verdict.status, page(unauthorized ? 'Paddock needs its token' : 'Forbidden', verdict.reason, unauthorized), 'text/html; charset=utf-8', {}, head);
      return;
    }
    if (request.method !== 'GET' && !head) {
      send(response, 405, 'Only GET and HEAD are served here; the API is the WebSocket at /api.\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
      return;
    }
    if (url.pathname === RESTORE_SCRIPT_PATH) {
      send(response, 200, restoreTokenScript(), 'text/javascript; charset=utf-8', {}, head);
      return;
    }
    serveStatic(url.pathname, response, head, verdict.token);
  });

  /** The build's files are served to anyone; the app's page only with the token, as it carries the user's config. */
  function serveStatic(pathname: string, response: http.ServerResponse, head: boolean, withToken: boolean): void {
    const index = path.join(staticDir, 'index.html');
    if (!fs.existsSync(index)) {
      send(
        response,
        503,
        page('The Paddock app is not built', `There is no ${index}. Build the renderer into dist/renderer (\`npm run build:renderer\` in the Paddock folder), then reload this page.`),
        'text/html; charset=utf-8',
        {},
        head,
      );
      return;
    }
    let file = staticPath(staticDir, pathname);
    if (file === null) {
      send(response, 404, 'Not found.\n', 'text/plain; charset=utf-8', {}, head);
      return;
    }
    let stat = statOrNull(file);
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = statOrNull(file);
    }
    // The app routes on the client: a path without a file extension is one of its views.
    if (!stat && path.extname(file) === '') {
      file = index;
      stat = statOrNull(file);
    }
    if (!stat?.isFile() || !insideRoot(file)) {
      send(response, 404, 'Not found.\n', 'text/plain; charset=utf-8', {}, head);
      return;
    }
    if (file === index && !withToken) {
      send(response, 401, page('Paddock needs its token', NEEDS_TOKEN, true), 'text/html; charset=utf-8', {}, head);
      return;
    }
    const type = STATIC_CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch (error) {
      onError(error);
      send(response, 500, 'The file could not be read.\n', 'text/plain; charset=utf-8', {}, head);
      return;
    }
    if (file === index && !head) {
      void withInitialState(body.toString('utf8')).then((html) => send(response, 200, html, type, { 'Cache-Control': 'no-store' }));
      return;
    }
    // Vite's assets have content hashes in their names; index.html must always be fetched again.
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'private, max-age=31536000, immutable' : 'no-store';
    send(response, 200, body, type, { 'Cache-Control': cache }, head);
  }

  /** The app's page with what its first view needs; a part that cannot be read is left to the socket. */
  async function withInitialState(html: string): Promise<string> {
    const [info, config] = await Promise.allSettled([api.call('app.info', {}), api.call('config.read', {})]);
    const state: InitialState = {
      ...(info.status === 'fulfilled' ? { info: info.value } : {}),
      ...(config.status === 'fulfilled' ? { config: config.value } : {}),
    };
    // Module scripts run after the whole page is parsed, so the block may come last where there is no head.
    const element = initialStateElement(state);
    return html.includes('</head>') ? html.replace('</head>', `${element}</head>`) : `${html}${element}`;
  }

  /** Symlinks in the build folder may not lead out of it. */
  function insideRoot(file: string): boolean {
    try {
      const real = fs.realpathSync(file);
      const relative = path.relative(fs.realpathSync(staticDir), real);
      return !relative.startsWith('..') && !path.isAbsolute(relative);
    } catch {
      return false;
    }
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });

  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`);
    const refuse = (status: number, reason: string) => {
      const body = `${reason}\n`;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (url.pathname !== API_SOCKET_PATH) return refuse(404, `The API is at ${API_SOCKET_PATH}.`);
    // Browsers always send Origin; a page of another site must not drive the API even if it learnt the token.
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins(port).includes(origin.toLowerCase())) return refuse(403, `WebSockets from ${origin} are refused.`);
    const verdict = authorize(request, url, port, token);
    if (!verdict.ok) return refuse(verdict.status, verdict.reason);
    if (!verdict.token) return refuse(401, NEEDS_TOKEN);
    sockets.handleUpgrade(request, socket, head, (ws) => connection(ws));
  });

  function connection(ws: WebSocket): void {
    const client = crypto.randomUUID();
    const write = (message: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(1008, 'the client reads too slowly');
        return;
      }
      ws.send(JSON.stringify(message));
    };
    const failure = (id: CallId | null, error: ApiError) => write({ type: 'error', id, error });
    const unsubscribe = api.subscribe((event) => write({ type: 'event', event: event.event, payload: event.payload }), { client });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return failure(null, { name: 'ProtocolError', code: 'invalid-message', message: 'messages must be JSON text' });
      let raw: unknown;
      try {
        raw = JSON.parse(rawText(data));
      } catch {
        return failure(null, { name: 'ProtocolError', code: 'invalid-message', message: 'the message is not JSON' });
      }
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        const known = typeof id === 'string' || typeof id === 'number' ? id : null;
        return failure(known, { name: 'ProtocolError', code: 'invalid-message', message: `not a call message: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ')}` });
      }
      const { id, method, input } = parsed.data;
      api.call(method, input, { client }).then(
        (output) => write({ type: 'result', id, output }),
        (error: unknown) => failure(id, toApiError(error)),
      );
    });
    ws.on('error', onError);
    ws.on('close', () => {
      unsubscribe();
      api.release(client);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  server.on('error', onError);

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    async close() {
      for (const ws of sockets.clients) ws.close(1001, 'Paddock is shutting down');
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
