import { z } from 'zod';

/**
 * The schemas every domain of the contract shares; each domain's contract file imports them from
 * here, so that core/api/contract.ts can gather the domains without import cycles.
 */

/**
 * A client-chosen ID (so no event can arrive before the client knows it), or one the server makes.
 * Operation IDs are seen by every client: choose unique ones (crypto.randomUUID()).
 */
export const clientIdSchema = z.string().min(1).max(100);

/** A workspace named in a call (the config allows no other names, and names become file and label names). */
export const workspaceName = z.string().regex(/^[a-z0-9-]+$/, 'must be a workspace name: lowercase letters, digits and - only');

/** Every failure crosses the boundary as this: the class it was, a stable code, and a message that says what to do. */
export const apiErrorSchema = z.object({
  name: z.string(),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.output<typeof apiErrorSchema>;
