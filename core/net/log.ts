import type Docker from 'dockerode';
import { jsonLine } from '../api/terminal-text.ts';
import { instanceLogs, type LogLine } from '../instances/logs.ts';
import { NET_EVENT_PREFIX } from '../sandbox/firewall.ts';

/**
 * One entry of a workspace's network log: a DNS query its agent made, or a connection the firewall
 * refused. `name`, `address` and `port` are null where they do not apply (a refused query has no
 * address; a refused connection to an address no answer gave has no name).
 */
export interface NetEvent {
  /** When the engine logged it (RFC 3339, nanoseconds). */
  time: string | null;
  kind: 'dns' | 'connect';
  name: string | null;
  address: string | null;
  port: number | null;
  protocol: string | null;
  verdict: 'allowed' | 'blocked';
  /** The query type (A, AAAA, TXT, …) of a DNS event; null for a connection. */
  queryType: string | null;
  /** Every address a DNS answer gave. */
  answers: string[];
  /** Why, when the firewall says more than the verdict (refused by the allowlist, no resolver answered). */
  reason: string | null;
}

/** The events the API keeps for a page to open with. */
export const NET_HISTORY = 1000;

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A firewall log line as an event, or null when the line is something else (a warning, a status). */
export function parseNetLine(line: Pick<LogLine, 'line' | 'time'>): NetEvent | null {
  if (!line.line.startsWith(NET_EVENT_PREFIX)) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line.line.slice(NET_EVENT_PREFIX.length)) as Record<string, unknown>;
  } catch {
    return null;
  }
  if ((raw.kind !== 'dns' && raw.kind !== 'connect') || (raw.verdict !== 'allowed' && raw.verdict !== 'blocked')) return null;
  return {
    time: line.time,
    kind: raw.kind,
    name: stringOrNull(raw.name),
    address: stringOrNull(raw.address),
    port: typeof raw.port === 'number' ? raw.port : null,
    protocol: stringOrNull(raw.protocol),
    verdict: raw.verdict,
    queryType: stringOrNull(raw.type),
    answers: Array.isArray(raw.answers) ? raw.answers.filter((answer): answer is string => typeof answer === 'string') : [],
    reason: stringOrNull(raw.reason),
  };
}

export interface NetLogOptions {
  /** Keep delivering new events until the signal aborts (across firewall restarts). */
  follow?: boolean;
  /** How many of the latest log lines to start from (default: the whole log). */
  tail?: number;
  blockedOnly?: boolean;
  signal?: AbortSignal;
  onError?: (error: unknown) => void;
}

/** A workspace's network log, read from its firewall's output. Throws InstanceNotFoundError when it has no firewall. */
export async function netEvents(docker: Docker, workspace: string, options: NetLogOptions, onEvent: (event: NetEvent) => void): Promise<void> {
  await instanceLogs(
    docker,
    workspace,
    { service: 'firewall', follow: options.follow, tail: options.tail, signal: options.signal, onError: options.onError },
    (line) => {
      const event = parseNetLine(line);
      if (event && (!options.blockedOnly || event.verdict === 'blocked')) onEvent(event);
    },
  );
}

/**
 * The CLI's `--json` line for an event: the documented keys first, in this order, and no control
 * character in the text (a name is the agent's to choose).
 */
export function netEventJson(event: NetEvent): string {
  const { time, kind, name, address, port, protocol, verdict, queryType, answers, reason } = event;
  return jsonLine({ time, kind, name, address, port, protocol, verdict, type: queryType, answers, reason });
}
