import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cidrProblem } from '../../core/config/schema.ts';
import {
  BLOCKED_IPV4, BLOCKED_IPV6, FIREWALL_READY_FILE, FIREWALL_STATUS_FILE, familyOf, firewallScript, type FirewallPolicy,
} from '../../core/sandbox/firewall.ts';

const SEP = '\u001f';
const tempDirs: string[] = [];

afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-fw-test-'));
  tempDirs.push(dir);
  return dir;
}

/** Shells that can parse the script; the firewall image's sh is POSIX, so every one of them must accept it. */
function syntaxShells(): string[][] {
  const shells: string[][] = [['/bin/sh', '-n']];
  for (const candidate of ['/usr/bin/dash', '/bin/dash']) {
    if (fs.existsSync(candidate)) {
      shells.push([candidate, '-n']);
      break;
    }
  }
  for (const candidate of ['/usr/bin/bash', '/bin/bash']) {
    if (fs.existsSync(candidate)) {
      shells.push([candidate, '--posix', '-n']);
      break;
    }
  }
  for (const candidate of ['/usr/bin/busybox', '/bin/busybox']) {
    if (fs.existsSync(candidate)) {
      shells.push([candidate, 'sh', '-n']);
      break;
    }
  }
  return shells;
}

function checkSyntax(script: string): void {
  for (const [shell, ...args] of syntaxShells()) {
    const result = spawnSync(shell!, [...args, '-c', script], { encoding: 'utf8' });
    expect({ shell, status: result.status, stderr: result.stderr }).toEqual({ shell, status: 0, stderr: '' });
  }
}

interface FakeEnvironment {
  /** Tools whose every invocation exits 1 (a backend that does not work). */
  failing?: string[];
  /** Rule-adding invocations (`-A`) whose arguments contain this text exit 1. */
  failRuleMatching?: string;
  /** /etc/resolv.conf, verbatim, or null when it does not exist. */
  resolvConf?: string | null;
  /** /proc/net/if_inet6, or null when the file does not exist (IPv6 disabled). */
  ifInet6?: string | null;
  /** `getent ahostsv4|ahostsv6 <name>` output per name; unknown names print nothing and exit 2. */
  getent?: Record<string, { v4?: string[]; v6?: string[] }>;
  /** `ip -4 route show default` output. */
  defaultRoute?: string;
  /** `ip -o -6 addr show scope global` output. */
  v6Addresses?: string;
  /** The ready mark an earlier run of the same container left behind. */
  staleReadyMark?: boolean;
}

interface Invocation {
  tool: string;
  args: string[];
}

interface RunResult {
  status: number | null;
  stderr: string;
  stdout: string;
  calls: Invocation[];
  /** Rules appended to the chain, per tool: the arguments after `-A PADDOCK-EGRESS`. */
  rules: Invocation[];
  status_file: string | null;
  ready: boolean;
  script: string;
}

const RESOLV_CONF = 'search example.internal\nnameserver 127.0.0.11\nnameserver 2001:4860:4860::8888\noptions ndots:0\n';
const IF_INET6_WITH_ETH0 =
  '00000000000000000000000000000001 01 80 10 80       lo\nfd000000000000000000000000000002 02 40 00 80     eth0\n';
const IF_INET6_LO_ONLY = '00000000000000000000000000000001 01 80 10 80       lo\n';

const GETENT = {
  'example.com': {
    v4: ['93.184.215.14   STREAM example.com', '93.184.215.14   DGRAM  ', '93.184.215.14   RAW    '],
    v6: [
      '2606:2800:21f:cb07:6820:80da:af6b:8b2c STREAM example.com',
      '2606:2800:21f:cb07:6820:80da:af6b:8b2c DGRAM  ',
      '2606:2800:21f:cb07:6820:80da:af6b:8b2c RAW    ',
    ],
  },
  'v4only.example': {
    v4: ['198.51.100.7    STREAM v4only.example', '198.51.100.7    DGRAM  '],
    // What glibc answers for ahostsv6 on a name with only an A record (AI_V4MAPPED).
    v6: ['::ffff:198.51.100.7 STREAM v4only.example', '::ffff:198.51.100.7 DGRAM  '],
  },
};

function stub(dir: string, name: string, body: string): void {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s${SEP}' ${name} "$@" >> "$FAKE_LOG"\nprintf '\\n' >> "$FAKE_LOG"\n${body}\n`, { mode: 0o755 });
}

function linkTool(dir: string, name: string): void {
  for (const candidate of [`/usr/bin/${name}`, `/bin/${name}`]) {
    if (fs.existsSync(candidate)) {
      fs.symlinkSync(candidate, path.join(dir, name));
      return;
    }
  }
  throw new Error(`no ${name} on this machine`);
}

/**
 * Runs the firewall script under /bin/sh with every tool it calls replaced by a stub that logs its
 * arguments. The script reads /etc/resolv.conf and /proc/net/if_inet6 and writes
 * /tmp/paddock-firewall-* by absolute path, so those paths are rewritten in the script text to
 * files in a temp folder before it runs (the test checks each rewrite really happened, so a
 * renamed path cannot silently make the test read the machine's real files).
 */
function runFirewall(policy: FirewallPolicy, fake: FakeEnvironment = {}): RunResult {
  const dir = tempDir();
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const failing = new Set(fake.failing ?? []);
  for (const tool of ['iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy']) {
    const match = fake.failRuleMatching
      ? `case " $* " in *" -A "*${JSON.stringify(fake.failRuleMatching).slice(1, -1)}*) exit 1 ;; esac`
      : '';
    stub(bin, tool, failing.has(tool)
      ? 'echo "iptables v1.8.10 (nf_tables): Could not fetch rule set generation id: Invalid argument" >&2; exit 1'
      : `${match}\ncase " $* " in *" -C "*) exit 1 ;; esac\nexit 0`);
  }
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'route4'), fake.defaultRoute ?? 'default via 172.18.0.1 dev eth0 \n');
  fs.writeFileSync(path.join(data, 'addr4'), '2: eth0    inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0\\       valid_lft forever preferred_lft forever\n');
  fs.writeFileSync(path.join(data, 'addr6'), fake.v6Addresses ?? '');
  stub(bin, 'ip', [
    'case "$*" in',
    `  "-4 route show default") cat "${data}/route4" ;;`,
    `  "-o -4 addr show scope global") cat "${data}/addr4" ;;`,
    `  "-o -6 addr show scope global") cat "${data}/addr6" ;;`,
    '  *) exit 1 ;;',
    'esac',
  ].join('\n'));
  const getent = path.join(dir, 'getent');
  fs.mkdirSync(path.join(getent, 'ahostsv4'), { recursive: true });
  fs.mkdirSync(path.join(getent, 'ahostsv6'), { recursive: true });
  for (const [name, answers] of Object.entries(fake.getent ?? GETENT)) {
    if (answers.v4) fs.writeFileSync(path.join(getent, 'ahostsv4', name), `${answers.v4.join('\n')}\n`);
    if (answers.v6) fs.writeFileSync(path.join(getent, 'ahostsv6', name), `${answers.v6.join('\n')}\n`);
  }
  stub(bin, 'getent', `f="${getent}/$1/$2"\n[ -f "$f" ] || exit 2\ncat "$f"`);
  stub(bin, 'sleep', 'exit 0');
  stub(bin, 'touch', 'exit 0');
  for (const tool of ['cat', 'grep', 'sort', 'rm']) linkTool(bin, tool);
  if (fake.staleReadyMark) fs.writeFileSync(path.join(dir, 'paddock-firewall-ready'), '');

  const resolv = path.join(dir, 'resolv.conf');
  const resolvText = fake.resolvConf === undefined ? RESOLV_CONF : fake.resolvConf;
  if (resolvText !== null) fs.writeFileSync(resolv, resolvText);
  const ifInet6 = path.join(dir, 'if_inet6');
  const ifInet6Text = fake.ifInet6 === undefined ? IF_INET6_LO_ONLY : fake.ifInet6;
  if (ifInet6Text !== null) fs.writeFileSync(ifInet6, ifInet6Text);

  const original = firewallScript(policy);
  for (const absolute of ['/etc/resolv.conf', '/proc/net/if_inet6', FIREWALL_STATUS_FILE, FIREWALL_READY_FILE]) {
    expect(original).toContain(absolute);
  }
  const script = original
    .replaceAll('/etc/resolv.conf', resolv)
    .replaceAll('/proc/net/if_inet6', ifInet6)
    .replaceAll('/tmp/paddock-firewall-', path.join(dir, 'paddock-firewall-'));
  expect(script).not.toMatch(/\/etc\/|\/proc\/|\/tmp\/paddock-firewall-/);

  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: bin, FAKE_LOG: log } });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [tool, ...args] = line.split(SEP);
    args.pop(); // the trailing separator
    return { tool: tool!, args };
  });
  const rules = calls.flatMap((call) => {
    const at = call.args.indexOf('-A');
    if (at < 0 || !call.tool.includes('tables')) return [];
    expect(call.args[at + 1]).toBe('PADDOCK-EGRESS');
    return [{ tool: call.tool, args: call.args.slice(at + 2) }];
  });
  const statusPath = path.join(dir, 'paddock-firewall-status');
  return {
    status: result.status,
    stderr: result.stderr,
    stdout: result.stdout,
    calls,
    rules,
    status_file: fs.existsSync(statusPath) ? fs.readFileSync(statusPath, 'utf8') : null,
    ready: calls.some((call) => call.tool === 'touch') || fs.existsSync(path.join(dir, 'paddock-firewall-ready')),
    script,
  };
}

/** The rules one tool appended, as strings, in order. */
function rulesOf(run: RunResult, tool: string): string[] {
  return run.rules.filter((rule) => rule.tool === tool).map((rule) => rule.args.join(' '));
}

function indexOfRule(rules: string[], rule: string): number {
  const index = rules.indexOf(rule);
  expect(rules, `missing rule "${rule}"`).toContain(rule);
  return index;
}

const ALLOWLIST: FirewallPolicy = {
  allowedHosts: ['example.com', 'v4only.example'],
  allowedNetworks: ['203.0.113.0/24', '2001:db8::/32', '192.168.50.0/24'],
  egress: 'allowlist',
};

describe('familyOf', () => {
  it('tells IPv4 from IPv6, with or without a prefix length', () => {
    expect(familyOf('10.0.0.0/8')).toBe(4);
    expect(familyOf('93.184.215.14')).toBe(4);
    expect(familyOf('2001:db8::/32')).toBe(6);
    expect(familyOf('fe80::1')).toBe(6);
    expect(familyOf('::ffff:10.0.0.1/128')).toBe(6);
    expect(familyOf('::/0')).toBe(6);
    expect(familyOf('0.0.0.0/0')).toBe(4);
  });
});

describe('BLOCKED_IPV4 and BLOCKED_IPV6', () => {
  it('are valid CIDRs of their own family', () => {
    for (const cidr of BLOCKED_IPV4) {
      expect(cidrProblem(cidr)).toBeNull();
      expect(familyOf(cidr)).toBe(4);
    }
    for (const cidr of BLOCKED_IPV6) {
      expect(cidrProblem(cidr)).toBeNull();
      expect(familyOf(cidr)).toBe(6);
    }
  });

  it('cover the private, link-local and shared ranges and the IPv6 forms of IPv4', () => {
    expect(BLOCKED_IPV4).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10']));
    expect(BLOCKED_IPV6).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10', '::ffff:0:0/96', '64:ff9b::/96']));
  });
});

describe('firewallScript syntax', () => {
  const policies: Array<[string, FirewallPolicy]> = [
    ['an empty open policy', { allowedHosts: [], allowedNetworks: [], egress: 'open' }],
    ['an empty allowlist', { allowedHosts: [], allowedNetworks: [], egress: 'allowlist' }],
    ['an allowlist with v4 and v6 networks and host names', ALLOWLIST],
    ['only IPv6 networks', { allowedHosts: [], allowedNetworks: ['fd12:3456::/48', '::/0'], egress: 'allowlist' }],
    ['host names with a quote, $ and other shell syntax', {
      allowedHosts: ["a'b", '$HOME', '$(touch /tmp/pwned)', '`id`', 'x y', '"q"', '*', ';exit 0;', 'c\\d'],
      allowedNetworks: ["10.0.0.0/8'; touch /tmp/pwned; '"],
      egress: 'allowlist',
    }],
  ];

  it.each(policies)('is valid POSIX sh for %s', (_label, policy) => {
    checkSyntax(firewallScript(policy));
  });

  it('names the ready and status files it promises', () => {
    const script = firewallScript({ allowedHosts: [], allowedNetworks: [], egress: 'open' });
    expect(script).toContain(`touch ${FIREWALL_READY_FILE}`);
    expect(script).toContain(FIREWALL_STATUS_FILE);
    expect(script.startsWith('set -eu\n')).toBe(true);
  });
});

describe('firewallScript rules (run under sh with stub tools)', () => {
  it('installs loopback, replies, DNS, the allowlist, then the blocks, in that order (IPv4)', () => {
    const run = runFirewall(ALLOWLIST);
    expect(run.status).toBe(0);
    const v4 = rulesOf(run, 'iptables');
    const lo = indexOfRule(v4, '-o lo -j ACCEPT');
    const established = indexOfRule(v4, '-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    const dnsUdp = indexOfRule(v4, '-d 127.0.0.11 -p udp --dport 53 -j ACCEPT');
    const dnsTcp = indexOfRule(v4, '-d 127.0.0.11 -p tcp --dport 53 -j ACCEPT');
    const dnsRejectUdp = indexOfRule(v4, '-p udp --dport 53 -j REJECT');
    const dnsRejectTcp = indexOfRule(v4, '-p tcp --dport 53 -j REJECT --reject-with tcp-reset');
    const network = indexOfRule(v4, '-d 203.0.113.0/24 -j ACCEPT');
    const privateNetwork = indexOfRule(v4, '-d 192.168.50.0/24 -j ACCEPT');
    const host = indexOfRule(v4, '-d 93.184.215.14 -j ACCEPT');
    const host2 = indexOfRule(v4, '-d 198.51.100.7 -j ACCEPT');
    const gateway = indexOfRule(v4, '-d 172.18.0.1 -j REJECT');
    const subnet = indexOfRule(v4, '-d 172.18.0.2/16 -j REJECT');
    const blocked = BLOCKED_IPV4.map((cidr) => indexOfRule(v4, `-d ${cidr} -j REJECT`));
    const final = indexOfRule(v4, '-j REJECT');

    expect(lo).toBe(0);
    expect(established).toBe(1);
    for (const dns of [dnsUdp, dnsTcp]) {
      expect(dns).toBeGreaterThan(established);
      expect(dns).toBeLessThan(dnsRejectUdp);
      expect(dns).toBeLessThan(dnsRejectTcp);
    }
    const accepts = [network, privateNetwork, host, host2];
    const rejects = [dnsRejectUdp, dnsRejectTcp, gateway, subnet, ...blocked, final];
    for (const accept of accepts) {
      expect(accept).toBeGreaterThan(Math.max(dnsRejectUdp, dnsRejectTcp));
      for (const reject of [gateway, subnet, ...blocked, final]) expect(accept).toBeLessThan(reject);
    }
    // Every ACCEPT comes before every REJECT except the DNS ones, which only concern port 53.
    const lastAccept = Math.max(...v4.flatMap((rule, index) => (rule.endsWith('-j ACCEPT') ? [index] : [])));
    expect(lastAccept).toBeLessThan(Math.min(gateway, subnet, ...blocked));
    expect(final).toBe(v4.length - 1);
    expect(new Set(rejects).size).toBe(rejects.length);
    // Each resolved address once, although getent lists it once per socket type.
    expect(v4.filter((rule) => rule === '-d 93.184.215.14 -j ACCEPT')).toHaveLength(1);
  });

  it('installs the same order in ip6tables, with IPv6 resolvers, networks and addresses only', () => {
    const run = runFirewall(ALLOWLIST, { v6Addresses: '2: eth0    inet6 fd00:dead:beef::2/64 scope global nodad \\       valid_lft forever preferred_lft forever\n' });
    expect(run.status).toBe(0);
    const v6 = rulesOf(run, 'ip6tables');
    const lo = indexOfRule(v6, '-o lo -j ACCEPT');
    const established = indexOfRule(v6, '-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    const dns = [
      indexOfRule(v6, '-d 2001:4860:4860::8888 -p udp --dport 53 -j ACCEPT'),
      indexOfRule(v6, '-d 2001:4860:4860::8888 -p tcp --dport 53 -j ACCEPT'),
    ];
    const dnsRejects = [indexOfRule(v6, '-p udp --dport 53 -j REJECT'), indexOfRule(v6, '-p tcp --dport 53 -j REJECT --reject-with tcp-reset')];
    const network = indexOfRule(v6, '-d 2001:db8::/32 -j ACCEPT');
    const host = indexOfRule(v6, '-d 2606:2800:21f:cb07:6820:80da:af6b:8b2c -j ACCEPT');
    const subnet = indexOfRule(v6, '-d fd00:dead:beef::2/64 -j REJECT');
    const blocked = BLOCKED_IPV6.map((cidr) => indexOfRule(v6, `-d ${cidr} -j REJECT`));
    const final = indexOfRule(v6, '-j REJECT');
    expect([lo, established]).toEqual([0, 1]);
    for (const index of dns) expect(index).toBeLessThan(Math.min(...dnsRejects));
    for (const accept of [network, host]) {
      expect(accept).toBeGreaterThan(Math.max(...dnsRejects));
      expect(accept).toBeLessThan(Math.min(subnet, ...blocked, final));
    }
    expect(final).toBe(v6.length - 1);
    // IPv4 things never reach ip6tables, and IPv6 things never reach iptables.
    expect(v6.join('\n')).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
    const v4 = rulesOf(run, 'iptables');
    expect(v4.join('\n')).not.toMatch(/-d [0-9a-f]*:/);
    expect(v4).not.toContain('-d 2001:db8::/32 -j ACCEPT');
    expect(v6).not.toContain('-d 203.0.113.0/24 -j ACCEPT');
    // IPv4-mapped answers from getent ahostsv6 are skipped: IPv4 is handled by iptables.
    expect(v6.filter((rule) => rule.startsWith('-d ::ffff:') && rule.endsWith('ACCEPT'))).toEqual([]);
    expect(v6).not.toContain('-d ::ffff:198.51.100.7 -j ACCEPT');
    expect(v6.filter((rule) => rule.startsWith('-d 2606:'))).toHaveLength(1);
  });

  it('creates the chain and hooks it into OUTPUT once per table', () => {
    const run = runFirewall(ALLOWLIST);
    for (const tool of ['iptables', 'ip6tables']) {
      const args = run.calls.filter((call) => call.tool === tool).map((call) => call.args.join(' '));
      expect(args).toContain('-w 5 -N PADDOCK-EGRESS');
      expect(args).toContain('-w 5 -I OUTPUT 1 -j PADDOCK-EGRESS');
      // The hook comes before the first rule is appended.
      expect(args.indexOf('-w 5 -I OUTPUT 1 -j PADDOCK-EGRESS')).toBeLessThan(args.findIndex((line) => line.includes(' -A ')));
      // The legacy backend is not touched when nft works.
      expect(run.calls.some((call) => call.tool === `${tool}-legacy` && call.args.includes('-A'))).toBe(false);
    }
  });

  it('in open mode blocks the private ranges but ends without a catch-all reject', () => {
    const run = runFirewall({ allowedHosts: [], allowedNetworks: [], egress: 'open' });
    expect(run.status).toBe(0);
    const v4 = rulesOf(run, 'iptables');
    const v6 = rulesOf(run, 'ip6tables');
    expect(v4).not.toContain('-j REJECT');
    expect(v6).not.toContain('-j REJECT');
    for (const cidr of BLOCKED_IPV4) expect(v4).toContain(`-d ${cidr} -j REJECT`);
    for (const cidr of BLOCKED_IPV6) expect(v6).toContain(`-d ${cidr} -j REJECT`);
    expect(v4).toContain('-d 172.18.0.1 -j REJECT');
    expect(v4).toContain('-d 172.18.0.2/16 -j REJECT');
    expect(v4.at(-1)).toBe(`-d ${BLOCKED_IPV4.at(-1)} -j REJECT`);
    expect(v6.at(-1)).toBe(`-d ${BLOCKED_IPV6.at(-1)} -j REJECT`);
    expect(v4.filter((rule) => rule.endsWith('ACCEPT') && rule.startsWith('-d ') && !rule.includes('--dport 53'))).toEqual([]);
  });

  it('marks itself ready, records its backends, and then idles', () => {
    const run = runFirewall(ALLOWLIST);
    expect(run.status).toBe(0);
    const touch = run.calls.filter((call) => call.tool === 'touch');
    expect(touch).toHaveLength(1);
    expect(touch[0]!.args).toEqual([run.script.match(/touch (\S+)/)![1]]);
    expect(touch[0]!.args[0]).toMatch(/paddock-firewall-ready$/);
    // Ready is marked only after the last rule.
    const touchAt = run.calls.findIndex((call) => call.tool === 'touch');
    const lastRuleAt = run.calls.findLastIndex((call) => call.args.includes('-A'));
    expect(touchAt).toBeGreaterThan(lastRuleAt);
    expect(run.calls.at(-1)).toEqual({ tool: 'sleep', args: ['infinity'] });
    expect(run.status_file).toBe('backends: iptables ip6tables\n');
  });

  it('falls back to the legacy backend when nft does not work', () => {
    const run = runFirewall(ALLOWLIST, { failing: ['iptables', 'ip6tables'] });
    expect(run.status).toBe(0);
    expect(rulesOf(run, 'iptables')).toEqual([]);
    expect(rulesOf(run, 'ip6tables')).toEqual([]);
    expect(rulesOf(run, 'iptables-legacy')).toContain('-d 93.184.215.14 -j ACCEPT');
    expect(rulesOf(run, 'ip6tables-legacy')).toContain('-d 2001:db8::/32 -j ACCEPT');
    expect(run.status_file).toBe('backends: iptables-legacy ip6tables-legacy\n');
  });

  it('a host that does not resolve leaves a warning in the status file and stays blocked', () => {
    const run = runFirewall({ allowedHosts: ['nowhere.invalid', 'example.com'], allowedNetworks: [], egress: 'allowlist' });
    expect(run.status).toBe(0);
    expect(run.status_file).toContain('warning: allowed host nowhere.invalid did not resolve; it stays blocked');
    expect(run.status_file).not.toContain('example.com');
    expect(rulesOf(run, 'iptables')).toContain('-d 93.184.215.14 -j ACCEPT');
    expect(run.ready).toBe(true);
  });

  it('a host that resolves over IPv6 only is not reported as unresolved', () => {
    const run = runFirewall({ allowedHosts: ['six.example'], allowedNetworks: [], egress: 'allowlist' }, {
      getent: { 'six.example': { v6: ['2001:db8::6 STREAM six.example'] } },
    });
    expect(run.status).toBe(0);
    expect(rulesOf(run, 'ip6tables')).toContain('-d 2001:db8::6 -j ACCEPT');
    expect(run.status_file).not.toContain('warning');
  });

  it('passes host names to getent literally, whatever shell syntax they contain', () => {
    const hosts = ["a'b", '$HOME', '$(touch pwned)', '`touch pwned`', 'x y', '*', '"q"', 'c\\d', "';touch pwned;'"];
    const run = runFirewall({ allowedHosts: hosts, allowedNetworks: [], egress: 'allowlist' }, { getent: { "a'b": { v4: ['192.0.2.1 STREAM'] } } });
    expect(run.status).toBe(0);
    expect(run.stderr).not.toMatch(/not found|syntax error|unexpected|bad substitution/i);
    const asked = run.calls.filter((call) => call.tool === 'getent' && call.args[0] === 'ahostsv4').map((call) => call.args[1]);
    expect(asked).toEqual(hosts);
    expect(run.calls.filter((call) => call.tool === 'touch')).toHaveLength(1);
    expect(rulesOf(run, 'iptables')).toContain('-d 192.0.2.1 -j ACCEPT');
    for (const host of hosts.slice(1)) expect(run.status_file).toContain(`warning: allowed host ${host} did not resolve`);
  });

  it('quotes allowed networks too', () => {
    const run = runFirewall({ allowedHosts: [], allowedNetworks: ['203.0.113.0/24', "10.9.0.0/16'$(touch pwned)'"], egress: 'open' });
    expect(run.status).toBe(0);
    expect(rulesOf(run, 'iptables')).toContain("-d 10.9.0.0/16'$(touch pwned)' -j ACCEPT");
    expect(run.calls.filter((call) => call.tool === 'touch')).toHaveLength(1);
  });

  it('accepts DNS only to the resolvers in resolv.conf, including the last line without a newline', () => {
    const run = runFirewall({ allowedHosts: [], allowedNetworks: [], egress: 'allowlist' }, {
      resolvConf: '# generated\nnameserver 10.0.0.2\noptions edns0\nnameserver 10.0.0.3',
    });
    expect(run.status).toBe(0);
    const v4 = rulesOf(run, 'iptables');
    expect(v4).toContain('-d 10.0.0.2 -p udp --dport 53 -j ACCEPT');
    expect(v4).toContain('-d 10.0.0.3 -p udp --dport 53 -j ACCEPT');
    expect(v4.filter((rule) => rule.includes('--dport 53') && rule.endsWith('ACCEPT'))).toHaveLength(4);
  });

  it('without a default route it still installs the other blocks', () => {
    const run = runFirewall(ALLOWLIST, { defaultRoute: '' });
    expect(run.status).toBe(0);
    const v4 = rulesOf(run, 'iptables');
    expect(v4.some((rule) => rule.startsWith('-d 172.18.0.1 '))).toBe(false);
    for (const cidr of BLOCKED_IPV4) expect(v4).toContain(`-d ${cidr} -j REJECT`);
    expect(run.ready).toBe(true);
  });
});

describe('firewallScript fails closed', () => {
  it('exits non-zero without marking ready when neither iptables backend works', () => {
    const run = runFirewall(ALLOWLIST, { failing: ['iptables', 'iptables-legacy'] });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('iptables');
    expect(run.ready).toBe(false);
    expect(run.rules).toEqual([]);
    expect(run.calls.some((call) => call.tool === 'sleep')).toBe(false);
  });

  it('removes the ready mark of an earlier run first, so a run that fails is never taken for ready', () => {
    const run = runFirewall(ALLOWLIST, { failing: ['iptables', 'iptables-legacy'], staleReadyMark: true });
    expect(run.status).not.toBe(0);
    expect(run.ready).toBe(false);
  });

  it('exits non-zero when ip6tables does not work but the workspace has IPv6 addresses', () => {
    const run = runFirewall(ALLOWLIST, { failing: ['ip6tables', 'ip6tables-legacy'], ifInet6: IF_INET6_WITH_ETH0 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/IPv6/);
    expect(run.ready).toBe(false);
    expect(run.rules).toEqual([]);
  });

  it.each([
    ['only loopback has IPv6', IF_INET6_LO_ONLY],
    ['IPv6 is disabled', null],
  ])('carries on without ip6tables when %s', (_label, ifInet6) => {
    const run = runFirewall(ALLOWLIST, { failing: ['ip6tables', 'ip6tables-legacy'], ifInet6 });
    expect(run.status).toBe(0);
    expect(run.rules.every((rule) => rule.tool === 'iptables')).toBe(true);
    expect(rulesOf(run, 'iptables')).toContain('-j REJECT');
    expect(run.status_file).toBe('backends: iptables none\n');
    expect(run.ready).toBe(true);
  });

  it.each([
    ['a DNS rule (inside the resolv.conf loop)', '-d 127.0.0.11 -p udp'],
    ['an allowed address (inside the host loop)', '-d 93.184.215.14'],
    ['an allowed network', '-d 203.0.113.0/24'],
    ['a blocked range', '-d 10.0.0.0/8'],
    ['the connected subnet', '-d 172.18.0.2/16'],
    ['an IPv6 blocked range', '-d fe80::/10'],
  ])('exits non-zero without marking ready when adding %s fails', (_label, match) => {
    const run = runFirewall(ALLOWLIST, { failRuleMatching: match });
    expect(run.status).not.toBe(0);
    expect(run.ready).toBe(false);
    expect(run.calls.some((call) => call.tool === 'sleep')).toBe(false);
  });

  it('exits non-zero without marking ready when resolv.conf cannot be read', () => {
    const run = runFirewall(ALLOWLIST, { resolvConf: null });
    expect(run.status).not.toBe(0);
    expect(run.ready).toBe(false);
  });
});

describe('firewallScript addresses', () => {
  it('keeps every rule address a valid IP or CIDR of its table family', () => {
    const run = runFirewall(ALLOWLIST, { v6Addresses: '3: eth1    inet6 2001:db8:1::5/64 scope global\n' });
    for (const rule of run.rules) {
      const at = rule.args.indexOf('-d');
      if (at < 0) continue;
      const address = rule.args[at + 1]!.split('/')[0]!;
      expect(net.isIP(address), `${rule.tool} ${rule.args.join(' ')}`).toBe(rule.tool.startsWith('ip6') ? 6 : 4);
    }
  });
});
