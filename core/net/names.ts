import net from 'node:net';

/** What one entry of an allowlist is: the firewall treats each kind differently. */
export type AllowEntry =
  | { kind: 'name'; value: string }
  | { kind: 'wildcard'; parent: string; value: string }
  | { kind: 'network'; value: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(name: string): boolean {
  const labels = name.split('.');
  // A name whose last label is all digits would be read as an IPv4 address, so it is not a name.
  return name.length > 0 && name.length <= 253 && labels.every((label) => LABEL.test(label)) && !/^[0-9]+$/.test(labels.at(-1) ?? '');
}

/** A host name lowercased and without its root dot, as DNS compares names. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * One entry of `allowed_hosts` or of `paddock allow`: an exact host name, a wildcard `*.parent`
 * (it covers exactly one label below the parent, as a TLS certificate's wildcard does, and not the
 * parent itself), an IP address or a CIDR network. Null when it is none of these.
 */
export function parseAllowEntry(text: string): AllowEntry | null {
  const value = text.trim();
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const family = net.isIP(address);
  if (family !== 0) {
    const max = family === 4 ? 32 : 128;
    if (slash < 0) return { kind: 'network', value: `${address}/${max}` };
    const prefix = value.slice(slash + 1);
    return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= max ? { kind: 'network', value } : null;
  }
  const name = canonicalName(value);
  if (name.startsWith('*.')) {
    const parent = name.slice(2);
    // A wildcard over a top-level domain (`*.com`) would allow nearly everything.
    return isHostName(parent) && parent.includes('.') ? { kind: 'wildcard', parent, value: name } : null;
  }
  return isHostName(name) ? { kind: 'name', value: name } : null;
}

/** Whether a queried name is allowed by these entries (the firewall's resolver applies the same rule). */
export function nameAllowed(name: string, entries: readonly AllowEntry[]): boolean {
  const wanted = canonicalName(name);
  const dot = wanted.indexOf('.');
  const parent = dot > 0 ? wanted.slice(dot + 1) : null;
  return entries.some((entry) => (entry.kind === 'name' ? entry.value === wanted : entry.kind === 'wildcard' ? entry.parent === parent : false));
}
