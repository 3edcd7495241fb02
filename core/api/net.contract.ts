/**
 * The network domain of the contract: a workspace's network log (DNS queries and refused
 * connections) and steering its allowlist live. Loaded by the renderer: zod only.
 */
import { z } from 'zod';
import { apiErrorSchema, clientIdSchema, workspaceName } from './primitives.ts';

/** One entry of a workspace's network log (core/net/log.ts NetEvent). */
export const netEventSchema = z.object({
  time: z.string().nullable(),
  kind: z.enum(['dns', 'connect']),
  name: z.string().nullable(),
  address: z.string().nullable(),
  port: z.number().int().nullable(),
  protocol: z.string().nullable(),
  verdict: z.enum(['allowed', 'blocked']),
  queryType: z.string().nullable(),
  answers: z.array(z.string()),
  reason: z.string().nullable(),
});
export type NetEvent = z.output<typeof netEventSchema>;

/** What allow or deny changed, and whether the running firewall already holds it. */
export const allowResultSchema = z.object({
  workspace: z.string(),
  entry: z.string(),
  key: z.enum(['allowed_hosts', 'allowed_networks']),
  changed: z.boolean(),
  applied: z.boolean(),
  /** How long the running firewall took to take it; null when it is not running. */
  appliedInMs: z.number().nullable(),
});
export type AllowResult = z.output<typeof allowResultSchema>;

const steerInput = z.strictObject({
  workspace: workspaceName,
  /** A host name, a wildcard (`*.example.com`), an IP address or a CIDR network. */
  entry: z.string().min(1).max(300),
});

export const netCalls = {
  /** The allow presets, and which ones an agent's provider and a language's package manager need (the guided setup proposes them). */
  'net.presets': {
    input: z.strictObject({}),
    output: z.object({
      presets: z.array(z.object({ name: z.string(), title: z.string(), hosts: z.array(z.string()) })),
      forAgent: z.record(z.string(), z.array(z.string())),
      forLanguage: z.record(z.string(), z.array(z.string())),
    }),
  },
  /**
   * Follows a workspace's network log: the last `history` events first, then each new one, as
   * 'net.events' batches with this subscription's ID, to this client only.
   */
  'net.follow': {
    input: z.strictObject({ workspace: workspaceName, history: z.number().int().min(0).max(1000).default(1000), subscription: clientIdSchema.optional() }),
    output: z.object({ subscription: z.string() }),
  },
  'net.unfollow': { input: z.strictObject({ subscription: z.string().min(1) }), output: z.object({ stopped: z.boolean() }) },
  /** Allows a name, wildcard or network: written to the config (comments kept) and applied to the running firewall, which keeps its connections. */
  'net.allow': { input: steerInput, output: allowResultSchema },
  /** Takes an allow back, in the config and in the running firewall. */
  'net.deny': { input: steerInput, output: allowResultSchema },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export const netEvents = {
  /** Events of a net.follow subscription, in order; batched so a busy agent costs one message per tick, not per query. */
  'net.events': z.object({ subscription: z.string(), events: z.array(netEventSchema) }),
  /** A network log subscription ended: unfollowed, the workspace stopped for good, or the engine went away. */
  'net.ended': z.object({ subscription: z.string(), error: apiErrorSchema.nullable() }),
} as const satisfies Record<string, z.ZodType>;
