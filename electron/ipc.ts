import type { z } from 'zod';
import type { ApiError } from '../core/api/contract.ts';
import { safeApiError } from '../core/api/errors.ts';
import { callChannel, EVENT_CHANNEL, type EventMessage } from './channels.ts';

/** What every call answers over IPC. A rejection would reach the page as a bare message, so none crosses. */
export type Envelope = { ok: true; output: unknown } | { ok: false; error: ApiError };

/** The parts of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}

/** The parts of an IpcMainInvokeEvent the sender check reads. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<Envelope>): void;
}

/** The parts of the BrowserWindow that IPC talks to. */
export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: {
    readonly id: number;
    readonly mainFrame: FrameLike;
    send(channel: string, message: EventMessage): void;
  };
}

export interface IpcOptions {
  /** The contract's calls: one channel each, its input schema checked before anything runs. */
  calls: Readonly<Record<string, { readonly input: z.ZodType }>>;
  /** The registry's call (core/api's Api.call, bound to the window's client). It validates the input again itself. */
  call(name: string, input: unknown): Promise<unknown>;
  /** The window whose page may call (null while there is none). */
  window(): WindowLike | null;
  isAppUrl(url: string): boolean;
}

function failure(code: 'forbidden-sender' | 'invalid-input', message: string, details?: unknown): Envelope {
  return { ok: false, error: { name: 'IpcError', code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * Whether an IPC message comes from our page: sent by our window's WebContents, from its main frame
 * (not an iframe or another window), which shows our own page (not something it navigated to).
 */
export function isTrustedSender(event: InvokeEventLike, window: WindowLike | null, isAppUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || !window || window.isDestroyed()) return false;
  try {
    const contents = window.webContents;
    const main = contents.mainFrame;
    return (
      event.sender.id === contents.id &&
      frame.parent === null &&
      frame.processId === main.processId &&
      frame.routingId === main.routingId &&
      isAppUrl(frame.url)
    );
  } catch {
    // A frame that went away while the message was in flight throws on access: not trusted.
    return false;
  }
}

/**
 * Handles every contract call on its own channel. In order: the sender must be our page, the input
 * must fit the call's schema (a missing input counts as {}, as over the WebSocket); only then does
 * the registry run. Every outcome is an envelope.
 */
export function registerIpc(ipcMain: IpcMainLike, { calls, call, window, isAppUrl }: IpcOptions): void {
  for (const [name, { input: schema }] of Object.entries(calls)) {
    ipcMain.handle(callChannel(name), async (event, rawInput) => {
      if (!isTrustedSender(event, window(), isAppUrl)) return failure('forbidden-sender', `${name} was called from outside Paddock's window`);
      const input = rawInput ?? {};
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
        return failure('invalid-input', `invalid input for ${name}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`, { issues });
      }
      try {
        return { ok: true, output: await call(name, input) };
      } catch (error) {
        // The registry rejects with an ApiCallError; anything else is reported as it would be over the WebSocket.
        return { ok: false, error: safeApiError(error) };
      }
    });
  }
}

/** Pushes one registry event to the window's page, if there is a page to push to. */
export function sendEvent(window: WindowLike | null, event: string, payload: unknown): void {
  if (!window || window.isDestroyed()) return;
  window.webContents.send(EVENT_CHANNEL, { event, payload });
}
