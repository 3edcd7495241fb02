import type { ClientMessage, ServerMessage } from '../../core/api/ws-protocol.ts';
import { ApiFailure, isApiError, transportError } from './errors.ts';
import { Listeners, type ConnectionStatus, type RawEventListener, type Transport } from './transport.ts';

/** The part of the WebSocket API the transport uses (the browser's, or `ws` in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  url: string;
  createSocket?: WebSocketFactory;
  /** First wait before reconnecting; it doubles on each failed attempt up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

interface Pending {
  resolve(output: unknown): void;
  reject(error: ApiFailure): void;
}

/**
 * The `paddock serve` transport. Calls are answered by id in any order. When the socket drops,
 * every call still waiting fails at once with a 'disconnected' error (its fate on the server is
 * unknown, so retrying it silently could run it twice), and the socket is reopened with growing,
 * jittered delays. Calls made before the first connection opens wait for it; calls made while
 * reconnecting fail straight away rather than hang.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 8000;
  const events = new Listeners<Parameters<RawEventListener>>();
  const statusListeners = new Listeners<[ConnectionStatus]>();
  const pending = new Map<number, Pending>();
  let queued: Array<{ message: ClientMessage } & Pending> = [];
  let status: ConnectionStatus = 'connecting';
  let socket: WebSocketLike | null = null;
  let nextId = 1;
  let failedAttempts = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const setStatus = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    statusListeners.emit(next);
  };

  const failAll = (error: ApiFailure) => {
    const waiting = [...pending.values(), ...queued];
    pending.clear();
    queued = [];
    for (const call of waiting) call.reject(error);
  };

  const handleMessage = (raw: unknown) => {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'event' && typeof message.event === 'string') {
      events.emit(message.event, message.payload);
      return;
    }
    if (message.type !== 'result' && message.type !== 'error') return;
    const call = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (!call || typeof message.id !== 'number') {
      if (message.type === 'error' && message.id === null) console.error('Paddock refused a message:', message.error);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'result') call.resolve(message.output);
    else call.reject(new ApiFailure(isApiError(message.error) ? message.error : transportError('protocol', 'Paddock answered with an error it did not describe')));
  };

  const send = (message: ClientMessage, call: Pending) => {
    pending.set(message.id as number, call);
    socket?.send(JSON.stringify(message));
  };

  const connect = () => {
    reconnectTimer = null;
    const current = createSocket(options.url);
    socket = current;
    current.onopen = () => {
      if (socket !== current) return;
      failedAttempts = 0;
      setStatus('open');
      const waiting = queued;
      queued = [];
      for (const { message, ...call } of waiting) send(message, call);
    };
    current.onmessage = (event) => {
      if (socket === current) handleMessage(event.data);
    };
    // Browsers follow every error with a close; the close does the work.
    current.onerror = () => undefined;
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      failAll(
        new ApiFailure(
          transportError(
            'disconnected',
            status === 'open' ? 'The connection to Paddock was lost before it answered; the request may or may not have been carried out.' : 'Could not connect to Paddock.',
          ),
        ),
      );
      if (closed) return;
      setStatus('reconnecting');
      const delay = Math.min(maxDelay, initialDelay * 2 ** failedAttempts);
      failedAttempts++;
      // Jitter, so many windows of one server do not all knock at the same instant.
      reconnectTimer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
    };
  };

  connect();

  return {
    kind: 'websocket',
    call(method, input) {
      return new Promise((resolve, reject) => {
        if (closed) {
          reject(new ApiFailure(transportError('not-connected', 'The connection to Paddock is closed.')));
          return;
        }
        const message: ClientMessage = { type: 'call', id: nextId++, method, input };
        if (status === 'open' && socket?.readyState === OPEN) send(message, { resolve, reject });
        else if (status === 'connecting') queued.push({ message, resolve, reject });
        else reject(new ApiFailure(transportError('not-connected', 'Not connected to Paddock right now; it is reconnecting.')));
      });
    },
    onEvent: (listener) => events.add(listener),
    status: () => status,
    onStatus: (listener) => statusListeners.add(listener),
    close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const current = socket;
      socket = null;
      failAll(new ApiFailure(transportError('not-connected', 'The connection to Paddock was closed.')));
      current?.close(1000, 'closed by the app');
    },
  };
}

/**
 * The API socket of the server that served this page, with the token the page holds (see
 * core/api/page-token.ts): the handshake carries it in its address, never in a cookie.
 */
export function socketUrlForPage(location: { protocol: string; host: string }, token: string | null): string {
  const base = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}
