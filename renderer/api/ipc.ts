import type { ApiError } from '../../core/api/contract.ts';
import { ApiFailure, isApiError, transportError } from './errors.ts';
import { Listeners, type RawEventListener, type Transport } from './transport.ts';

type Envelope = { ok: true; output: unknown } | { ok: false; error: ApiError };

/** What Electron's preload exposes as `window.paddock`: one function per call, and onEvent. */
export interface PaddockBridge {
  readonly onEvent: (listener: RawEventListener) => () => void;
  readonly [method: string]: unknown;
}

declare global {
  interface Window {
    paddock?: PaddockBridge;
  }
}

/** Calls go through the preload's per-method functions; main validates and answers with an envelope. */
export function createIpcTransport(bridge: PaddockBridge): Transport {
  const statusListeners = new Listeners<['open']>();
  return {
    kind: 'ipc',
    async call(method, input) {
      const fn = bridge[method];
      if (typeof fn !== 'function') {
        throw new ApiFailure({ name: 'TransportError', code: 'unknown-method', message: `the app's shell does not offer "${method}"` });
      }
      const envelope = (await (fn as (input: unknown) => Promise<Envelope>)(input)) as Envelope | undefined;
      if (envelope?.ok === true) return envelope.output;
      if (envelope?.ok === false && isApiError(envelope.error)) throw new ApiFailure(envelope.error);
      throw new ApiFailure(transportError('protocol', `the app's shell answered "${method}" with something that is not a result`));
    },
    onEvent: (listener) => bridge.onEvent(listener),
    status: () => 'open',
    onStatus: (listener) => statusListeners.add(listener),
    close() {},
  };
}
