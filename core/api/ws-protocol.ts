/**
 * The messages `paddock serve` and a browser exchange over the WebSocket at /api. Pure (zod only),
 * so the renderer's WebSocket client imports it as it is.
 *
 *   client → server  {type: 'call', id, method, input}
 *   server → client  {type: 'result', id, output} | {type: 'error', id, error} | {type: 'event', event, payload}
 *
 * Results and errors answer calls by `id`, in whatever order the calls finish. An error about a
 * message that could not be read at all (not JSON, no id) has id null.
 */
import { z } from 'zod';
import { apiErrorSchema } from './contract.ts';

/** The path of the API socket on the serve origin. */
export const API_SOCKET_PATH = '/api';

/** Largest message a client may send; calls are small (a config text is the largest). */
export const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024 * 1024;

export const callIdSchema = z.union([z.string().min(1).max(100), z.number().int().nonnegative()]);
export type CallId = z.output<typeof callIdSchema>;

export const clientMessageSchema = z.strictObject({
  type: z.literal('call'),
  id: callIdSchema,
  method: z.string().min(1).max(100),
  /** Validated against the method's input schema by the server; a missing input counts as {}. */
  input: z.unknown().optional(),
});
export type ClientMessage = z.output<typeof clientMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: callIdSchema, output: z.unknown() }),
  z.object({ type: z.literal('error'), id: callIdSchema.nullable(), error: apiErrorSchema }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.output<typeof serverMessageSchema>;

