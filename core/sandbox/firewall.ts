import net from 'node:net';

/** Private and special ranges the agent may not reach unless a workspace allows them. */
export const BLOCKED_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];
/** Unique local, link-local, the old site-local, and the IPv4-mapped and NAT64 forms of IPv4. */
export const BLOCKED_IPV6 = ['fc00::/7', 'fe80::/10', 'fec0::/10', '::ffff:0:0/96', '64:ff9b::/96'];

export const FIREWALL_READY_FILE = '/tmp/paddock-firewall-ready';
export const FIREWALL_STATUS_FILE = '/tmp/paddock-firewall-status';
/** Printed once the rules are in and the ready file exists: up watches the output for it. */
export const FIREWALL_READY_LINE = 'paddock-firewall: egress rules installed';

export interface FirewallPolicy {
  allowedHosts: string[];
  allowedNetworks: string[];
  egress: 'open' | 'allowlist';
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function familyOf(cidrOrAddress: string): 4 | 6 {
  return net.isIP(cidrOrAddress.split('/')[0] ?? '') === 6 ? 6 : 4;
}

/**
 * The firewall container's program: installs the egress rules for the network namespace it
 * shares with the agent, marks itself ready, then idles. Any failure exits non-zero before the
 * ready mark, so the agent is never started without its rules (fail closed).
 *
 * Order matters in each table: loopback and replies first, then DNS to the configured resolvers
 * only, then the allowlist, then the blocks (the default gateway, i.e. the host; every directly
 * connected subnet; the private ranges), then, in allowlist mode, everything else.
 */
export function firewallScript(policy: FirewallPolicy): string {
  const networks4 = policy.allowedNetworks.filter((cidr) => familyOf(cidr) === 4);
  const networks6 = policy.allowedNetworks.filter((cidr) => familyOf(cidr) === 6);
  const hosts = policy.allowedHosts.map(shellQuote).join(' ');
  return `set -eu
# A container started again keeps its files: the mark of its last run must not say ready now.
rm -f ${FIREWALL_READY_FILE}
status=${FIREWALL_STATUS_FILE}
: > "$status"
fail() { echo "paddock-firewall: $*" >&2; exit 1; }
works() { command -v "$1" >/dev/null 2>&1 && "$1" -w 5 -S OUTPUT >/dev/null 2>&1; }
pick() { for tool in "$@"; do if works "$tool"; then echo "$tool"; return 0; fi; done; return 1; }
v4=$(pick iptables iptables-legacy) || fail "iptables works with neither the nft nor the legacy backend; is the kernel missing netfilter?"
v6=$(pick ip6tables ip6tables-legacy) || v6=""
if [ -z "$v6" ] && grep -qv ' lo$' /proc/net/if_inet6 2>/dev/null; then
  fail "the workspace has IPv6 addresses but ip6tables does not work, so IPv6 egress cannot be filtered"
fi
chain() {
  tool=$1
  "$tool" -w 5 -N PADDOCK-EGRESS 2>/dev/null || "$tool" -w 5 -F PADDOCK-EGRESS
  "$tool" -w 5 -C OUTPUT -j PADDOCK-EGRESS 2>/dev/null || "$tool" -w 5 -I OUTPUT 1 -j PADDOCK-EGRESS
}
add4() { "$v4" -w 5 -A PADDOCK-EGRESS "$@"; }
add6() { [ -z "$v6" ] || "$v6" -w 5 -A PADDOCK-EGRESS "$@"; }

chain "$v4"
[ -z "$v6" ] || chain "$v6"
add4 -o lo -j ACCEPT
add6 -o lo -j ACCEPT
add4 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
add6 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT

while read -r key value _ || [ -n "$key" ]; do
  [ "$key" = nameserver ] || continue
  case "$value" in
    *:*) add6 -d "$value" -p udp --dport 53 -j ACCEPT; add6 -d "$value" -p tcp --dport 53 -j ACCEPT ;;
    *) add4 -d "$value" -p udp --dport 53 -j ACCEPT; add4 -d "$value" -p tcp --dport 53 -j ACCEPT ;;
  esac
done < /etc/resolv.conf
add4 -p udp --dport 53 -j REJECT
add4 -p tcp --dport 53 -j REJECT --reject-with tcp-reset
add6 -p udp --dport 53 -j REJECT
add6 -p tcp --dport 53 -j REJECT --reject-with tcp-reset

${networks4.map((cidr) => `add4 -d ${shellQuote(cidr)} -j ACCEPT`).join('\n')}
${networks6.map((cidr) => `add6 -d ${shellQuote(cidr)} -j ACCEPT`).join('\n')}
for host in ${hosts}; do
  found=""
  for address in $(getent ahostsv4 "$host" | while read -r a _; do echo "$a"; done | sort -u); do add4 -d "$address" -j ACCEPT; found=1; done
  for address in $(getent ahostsv6 "$host" | while read -r a _; do echo "$a"; done | sort -u); do
    case "$address" in ::ffff:*) continue ;; esac
    add6 -d "$address" -j ACCEPT; found=1
  done
  [ -n "$found" ] || echo "warning: allowed host $host did not resolve; it stays blocked" >> "$status"
done

set -- $(ip -4 route show default)
[ "\${3:-}" = "" ] || add4 -d "$3" -j REJECT
for subnet in $(ip -o -4 addr show scope global | while read -r _ _ _ cidr _; do echo "$cidr"; done); do add4 -d "$subnet" -j REJECT; done
for subnet in $(ip -o -6 addr show scope global 2>/dev/null | while read -r _ _ _ cidr _; do echo "$cidr"; done); do add6 -d "$subnet" -j REJECT; done
${BLOCKED_IPV4.map((cidr) => `add4 -d ${cidr} -j REJECT`).join('\n')}
${BLOCKED_IPV6.map((cidr) => `add6 -d ${cidr} -j REJECT`).join('\n')}
${policy.egress === 'allowlist' ? 'add4 -j REJECT\nadd6 -j REJECT' : ''}

echo "backends: $v4 \${v6:-none}" >> "$status"
touch ${FIREWALL_READY_FILE}
echo "${FIREWALL_READY_LINE} ($v4, \${v6:-no IPv6})"
cat "$status" >&2
exec sleep infinity
`;
}
