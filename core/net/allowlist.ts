import type Docker from 'dockerode';
import type { ConfigEdit } from '../config/edit.ts';
import type { PaddockConfig } from '../config/schema.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { parseAllowEntry, type AllowEntry } from './names.ts';
import { applyPolicy, desiredPolicy, runningFirewall } from './steer.ts';

export class AllowlistError extends Error {
  override readonly name = 'AllowlistError';
}

type ListKey = 'allowed_hosts' | 'allowed_networks';

function keyFor(entry: AllowEntry): ListKey {
  return entry.kind === 'network' ? 'allowed_networks' : 'allowed_hosts';
}

function parseOrThrow(text: string): AllowEntry {
  const entry = parseAllowEntry(text);
  if (!entry) throw new AllowlistError(`"${text}" is not a host name, a wildcard (*.example.com), an IP address or a CIDR network`);
  return entry;
}

function sameEntry(text: string, entry: AllowEntry): boolean {
  const other = parseAllowEntry(text);
  return other !== null && other.kind === entry.kind && other.value === entry.value;
}

export interface AllowChange {
  workspace: string;
  entry: string;
  key: ListKey;
  /** The config edits, empty when the config already says so. */
  edits: ConfigEdit[];
}

/** What `allow` changes in the config: the entry added to the workspace's own list, unless it is there. */
export function allowChange(config: PaddockConfig, workspace: string, text: string): AllowChange {
  const entry = parseOrThrow(text);
  const key = keyFor(entry);
  const own = config.workspaces?.[workspace]?.[key] ?? [];
  const inherited = config.defaults?.[key] ?? [];
  const present = [...own, ...inherited].some((item) => sameEntry(item, entry));
  return { workspace, entry: entry.value, key, edits: present ? [] : [{ op: 'add', path: ['workspaces', workspace, key], value: entry.value }] };
}

/**
 * What `deny` changes: the entry removed from the workspace's list. An entry that comes from
 * [defaults] is not removed for every workspace; the error says where it is.
 */
export function denyChange(config: PaddockConfig, workspace: string, text: string): AllowChange {
  const entry = parseOrThrow(text);
  const key = keyFor(entry);
  const own = (config.workspaces?.[workspace]?.[key] ?? []).filter((item) => sameEntry(item, entry));
  if (own.length === 0 && (config.defaults?.[key] ?? []).some((item) => sameEntry(item, entry))) {
    throw new AllowlistError(`${entry.value} is allowed by [defaults] ${key}, for every workspace; remove it there to deny it`);
  }
  return { workspace, entry: entry.value, key, edits: own.map((item) => ({ op: 'remove', path: ['workspaces', workspace, key], value: item })) };
}

export interface SteerResult {
  /** True when the workspace's running firewall took the new list; false when it is not running. */
  applied: boolean;
  /** How long the running firewall took to take it, from the file's delivery to its word. */
  appliedInMs: number | null;
}

/** Applies a workspace's allowlist, as the config now says, to its running firewall (if any) without recreating anything. */
export async function steerRunning(docker: Docker, ws: ResolvedWorkspace): Promise<SteerResult> {
  const firewall = await runningFirewall(docker, ws.name);
  if (!firewall) return { applied: false, appliedInMs: null };
  const appliedInMs = await applyPolicy(docker, firewall, await desiredPolicy(docker, ws));
  return { applied: true, appliedInMs };
}
