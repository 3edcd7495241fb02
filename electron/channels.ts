/**
 * The IPC channels between main and the preload: one per contract call, handled with
 * ipcMain.handle, and one for every pushed event. Shared by both sides so the names cannot drift.
 */
export const EVENT_CHANNEL = 'paddock:event';

export function callChannel(name: string): string {
  return `paddock:call:${name}`;
}

/** What main pushes on EVENT_CHANNEL. */
export interface EventMessage {
  event: string;
  payload: unknown;
}
