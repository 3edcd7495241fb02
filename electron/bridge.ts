import { callChannel, EVENT_CHANNEL, type EventMessage } from './channels.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export type EventListener = (event: string, payload: unknown) => void;

/** `window.paddock`: one function per call (resolving to main's envelope), and onEvent. */
export type Bridge = Readonly<Record<string, unknown>> & { readonly onEvent: (listener: EventListener) => () => void };

/**
 * The object the preload exposes as `window.paddock`. Its methods are exactly the contract's calls,
 * each bound to its own channel, so the page can reach nothing else in main: no generic invoke, and
 * ipcRenderer itself never crosses the bridge. Event listeners get the event's name and payload,
 * never Electron's event object (which would hand the page `sender`).
 */
export function createBridge(callNames: readonly string[], ipcRenderer: IpcRendererLike): Bridge {
  const methods: Record<string, (input?: unknown) => Promise<unknown>> = {};
  for (const name of callNames) {
    const channel = callChannel(name);
    methods[name] = (input?: unknown) => ipcRenderer.invoke(channel, input);
  }
  const onEvent = (listener: EventListener): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const forward = (_event: unknown, message: unknown): void => {
      const { event, payload } = (message ?? {}) as Partial<EventMessage>;
      if (typeof event === 'string') listener(event, payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  };
  return Object.freeze({ ...methods, onEvent });
}
