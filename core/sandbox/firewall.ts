import { readAsset } from '../assets/index.ts';

export const FIREWALL_READY_FILE = '/tmp/paddock-firewall-ready';
/** Printed once the rules are in, the policy applied and the resolver listening: up watches the output for it. */
export const FIREWALL_READY_LINE = 'paddock-firewall: egress rules installed';
/** Printed each time the firewall applies a policy file, with the file's id. */
export const POLICY_APPLIED_PREFIX = 'paddock-firewall: policy ';
/** Warnings the firewall prints on its output; up and the app show them. */
export const FIREWALL_WARNING_PREFIX = 'paddock-firewall: warning: ';
/** The prefix of each network log event on the firewall's output. */
export const NET_EVENT_PREFIX = 'paddock-net ';

/**
 * The firewall container's command: core/assets/firewall.pl (rules, resolver, network log) run by
 * the image's perl, with the agent's port when the host may connect in to it. Absolute paths: the
 * firewall trusts nothing on PATH.
 */
export function firewallCommand(inboundPort: number | null): string[] {
  return ['/usr/bin/perl', '-e', readAsset('firewall.pl'), inboundPort === null ? '' : String(inboundPort)];
}

/**
 * The agent's wrapper waits for this before anything of the agent runs: the resolver's TCP listener
 * on 127.0.0.1:53 in /proc/net/tcp. It exists only in this network namespace, after this run's
 * rules went in, so an agent started by `docker start` (or Docker Desktop after a reboot) in a
 * namespace whose rules are not in yet waits instead of running unfiltered.
 */
export const WAIT_FOR_FIREWALL = `firewall_ready() {
  while read -r _ local _ state _; do [ "$local:$state" = "0100007F:0035:0A" ] && return 0; done < /proc/net/tcp
  return 1
}
waited=0
until firewall_ready; do
  waited=$((waited + 1))
  if [ "$waited" -gt 600 ]; then echo "paddock: the workspace's firewall did not come up within 60 s; the agent does not start without it (see \\\`paddock logs --service firewall\\\`)" >&2; exit 1; fi
  sleep 0.1
done`;
