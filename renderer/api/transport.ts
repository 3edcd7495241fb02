/** Whether the renderer can talk to Paddock right now. IPC is always open; a socket comes and goes. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

export type RawEventListener = (event: string, payload: unknown) => void;

/** How calls and events travel: Electron's IPC bridge, or the WebSocket of `paddock serve`. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket';
  /** Resolves with the call's output; rejects with an ApiFailure. */
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: RawEventListener): () => void;
  status(): ConnectionStatus;
  /** Told of every change; after a reconnect ('open' again) events may have been missed. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): void;
}

/** A tiny listener set, so each transport does not re-implement add/remove/notify. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();

  add(listener: (...args: A) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(...args: A): void {
    for (const listener of [...this.set]) {
      try {
        listener(...args);
      } catch (error) {
        // One broken listener must not starve the others or kill the transport's message loop.
        console.error(error);
      }
    }
  }
}
