import type Docker from 'dockerode';
import { DockerConnectionError, type EngineConnection } from '../docker/connect.ts';
import type { EngineState } from './contract.ts';

/**
 * The API's one engine connection: made on first use (never at start, so the first view does not
 * wait for it), dropped when a request finds the engine gone, and made again on the next use.
 * Every change of state is reported, with the doctor's hint when no engine can be reached.
 */
export class EngineMonitor {
  private connection: EngineConnection | null = null;
  private pending: Promise<EngineConnection> | null = null;
  private current: EngineState = { state: 'connecting', endpoint: null, source: null, message: null, hint: null, since: new Date().toISOString() };

  constructor(
    private readonly connect: () => Promise<EngineConnection>,
    private readonly onChange: (state: EngineState) => void,
  ) {}

  get state(): EngineState {
    return this.current;
  }

  /** The connected engine, connecting first when there is none; throws DockerConnectionError when none answers. */
  async docker(): Promise<Docker> {
    return (this.connection ?? (await this.reconnect())).docker;
  }

  /** Starts connecting in the background, so the state soon says whether there is an engine. */
  warmUp(): void {
    if (!this.connection) this.reconnect().catch(() => undefined);
  }

  /** Connects now (one attempt shared by every caller waiting for it). */
  reconnect(): Promise<EngineConnection> {
    this.pending ??= this.connect()
      .then(
        (connection) => {
          this.connection = connection;
          this.set({ state: 'connected', endpoint: connection.endpoint.address, source: connection.endpoint.source, message: null, hint: null });
          return connection;
        },
        (error: unknown) => {
          this.connection = null;
          const hint = error instanceof DockerConnectionError ? error.hint : null;
          const message = error instanceof DockerConnectionError && error.attempts.length
            ? `No Docker engine could be reached: ${error.attempts.map((a) => `${a.address} (${a.source}): ${a.error}`).join('; ')}`
            : ((error as Error).message.split('\n')[0] ?? String(error));
          this.set({ state: 'unavailable', endpoint: null, source: null, message, hint });
          throw error;
        },
      )
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** The engine stopped answering: forget the connection, so the next use connects again. */
  lost(error: unknown): void {
    if (!this.connection) return;
    const endpoint = this.connection.endpoint;
    this.connection = null;
    this.set({
      state: 'connecting',
      endpoint: endpoint.address,
      source: endpoint.source,
      message: `lost the connection to the engine: ${(error as Error)?.message ?? String(error)}`,
      hint: null,
    });
  }

  /** The state after checking now: a ping when connected, else a connection attempt. */
  async check(): Promise<EngineState> {
    const connection = this.connection;
    if (connection) {
      try {
        await connection.docker.ping();
        return this.current;
      } catch (error) {
        this.lost(error);
      }
    }
    await this.reconnect().catch(() => undefined);
    return this.current;
  }

  private set(next: Omit<EngineState, 'since'>): void {
    const fields = ['state', 'endpoint', 'source', 'message', 'hint'] as const;
    if (fields.every((field) => this.current[field] === next[field])) return;
    this.current = { ...next, since: new Date().toISOString() };
    this.onChange(this.current);
  }
}
