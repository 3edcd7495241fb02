import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { tarArchive } from '../docker/archive.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { parseAllowEntry, type AllowEntry } from './names.ts';
import { ALLOW_PRESETS } from './presets.ts';

/** Where the firewall reads its policy: at once on HUP (which Paddock sends), and every 5 s. */
export const POLICY_DIR = 'etc/paddock';
export const POLICY_FILE = `/${POLICY_DIR}/egress`;

export type EgressInput = Pick<ResolvedWorkspace, 'egress' | 'allowedHosts' | 'allowedNetworks' | 'allowPresets' | 'dns'>;

/** Every entry the workspace allows: its own hosts and networks, then its presets' hosts. */
export function allowEntries(ws: Pick<EgressInput, 'allowedHosts' | 'allowedNetworks' | 'allowPresets'>): AllowEntry[] {
  const texts = [...ws.allowedHosts, ...ws.allowedNetworks, ...ws.allowPresets.flatMap((preset) => ALLOW_PRESETS[preset].hosts)];
  const seen = new Set<string>();
  const entries: AllowEntry[] = [];
  for (const text of texts) {
    const entry = parseAllowEntry(text);
    if (!entry || seen.has(`${entry.kind}:${entry.value}`)) continue;
    seen.add(`${entry.kind}:${entry.value}`);
    entries.push(entry);
  }
  return entries;
}

/**
 * The host's own addresses outside loopback: a packet to any of them reaches the host's services
 * (those listening on 0.0.0.0, ports published on 0.0.0.0), whatever the range, so the agent may
 * not send there. Link-local IPv6 addresses are left out: they only mean something with a zone.
 */
export function hostAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const addresses = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => !info.internal && !(info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')))
    .map((info) => info.address);
  return [...new Set(addresses)].sort();
}

/**
 * The policy file the firewall applies: one `key value` a line (the firewall is a Perl program
 * with no JSON parser). `id` names this version, so a caller can wait for "policy <id> applied".
 */
export function policyText(ws: EgressInput, hosts: readonly string[]): string {
  const lines = [`mode ${ws.egress}`];
  for (const entry of allowEntries(ws)) {
    if (entry.kind === 'name') lines.push(`name ${entry.value}`);
    else if (entry.kind === 'wildcard') lines.push(`wildcard ${entry.parent}`);
    else lines.push(`net ${entry.value}`);
  }
  for (const address of hosts) if (net.isIP(address)) lines.push(`host ${address}`);
  for (const server of ws.dns) lines.push(`dns ${server}`);
  const body = `${lines.join('\n')}\n`;
  const id = crypto.createHash('sha256').update(body).digest('hex').slice(0, 16);
  return `id ${id}\n${body}`;
}

export function policyId(text: string): string {
  return /^id (\S+)/.exec(text)?.[1] ?? '';
}

/** The policy as a tar for the firewall container's file system (put before it starts, and to steer). */
export function policyArchive(text: string): Promise<Buffer> {
  const owner = { uid: 0, gid: 0, mtime: new Date() };
  return tarArchive([
    { header: { name: `${POLICY_DIR}/`, type: 'directory', mode: 0o755, ...owner } },
    { header: { name: `${POLICY_DIR}/egress`, mode: 0o644, ...owner }, body: text },
  ]);
}
