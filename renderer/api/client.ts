import type { ApiEvent, CallInput, CallName, CallOutput, EventName } from '../../core/api/contract.ts';
import { takePageToken, type TokenStorage } from '../../core/api/page-token.ts';
import { createIpcTransport } from './ipc.ts';
import type { ConnectionStatus, Transport } from './transport.ts';
import { createWebSocketTransport, socketUrlForPage } from './websocket.ts';

/** The renderer's one way to reach the engine, typed by the contract, whatever the transport. */
export interface ApiClient {
  readonly transport: Transport['kind'];
  /** Resolves with the call's output; rejects with an ApiFailure (see errors.ts). */
  call<N extends CallName>(method: N, input: CallInput<N>): Promise<CallOutput<N>>;
  /** Every pushed event; unknown event names (a newer server) are dropped. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): void;
}

/**
 * The event names this renderer understands. Kept as a type-checked table rather than imported
 * from the contract because the contract's runtime values would pull zod into the page.
 */
const KNOWN_EVENTS: Record<EventName, true> = {
  'instances.changed': true,
  'engine.changed': true,
  'operation.progress': true,
  'operation.done': true,
  'logs.line': true,
  'logs.ended': true,
  'stats.sample': true,
  'stats.ended': true,
  'net.events': true,
  'net.ended': true,
  'config.changed': true,
};

export function createApiClient(transport: Transport): ApiClient {
  return {
    transport: transport.kind,
    call: (method, input) => transport.call(method, input) as Promise<CallOutput<typeof method>>,
    onEvent: (listener) =>
      transport.onEvent((event, payload) => {
        if (Object.hasOwn(KNOWN_EVENTS, event)) listener({ event, payload } as ApiEvent);
      }),
    status: () => transport.status(),
    onStatus: (listener) => transport.onStatus(listener),
    close: () => transport.close(),
  };
}

function sessionStorageOrNull(): TokenStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** IPC inside Electron (the preload put `window.paddock` there), the page's own server otherwise. */
export function connectFromPage(): ApiClient {
  const bridge = window.paddock;
  if (bridge && typeof bridge.onEvent === 'function') return createApiClient(createIpcTransport(bridge));
  return createApiClient(createWebSocketTransport({ url: socketUrlForPage(window.location, takePageToken(window.location, window.history, sessionStorageOrNull())) }));
}
