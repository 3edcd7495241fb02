import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAsset } from '../../core/assets/index.ts';
import { nameAllowed, parseAllowEntry } from '../../core/net/names.ts';
import { netEventJson, parseNetLine } from '../../core/net/log.ts';
import { allowEntries, hostAddresses, policyId, policyText } from '../../core/net/policy.ts';
import { ALLOW_PRESETS, ALLOW_PRESET_NAMES } from '../../core/net/presets.ts';
import { allowChange, denyChange } from '../../core/net/allowlist.ts';
import { NET_EVENT_PREFIX } from '../../core/sandbox/firewall.ts';

const open = { egress: 'open' as const, allowedHosts: [], allowedNetworks: [], allowPresets: [], dns: [] };

describe('allowlist entries', () => {
  it.each([
    ['api.example.com', { kind: 'name', value: 'api.example.com' }],
    ['API.Example.com.', { kind: 'name', value: 'api.example.com' }],
    ['*.githubusercontent.com', { kind: 'wildcard', parent: 'githubusercontent.com', value: '*.githubusercontent.com' }],
    ['10.1.2.3', { kind: 'network', value: '10.1.2.3/32' }],
    ['fd00::1', { kind: 'network', value: 'fd00::1/128' }],
    ['10.0.0.0/8', { kind: 'network', value: '10.0.0.0/8' }],
  ])('reads %s', (text, entry) => {
    expect(parseAllowEntry(text)).toEqual(entry);
  });

  it.each(['*.com', 'a.*.example.com', 'exa*mple.com', '10.0.0.0/33', '-bad.com', 'has space.com', ''])('refuses %j', (text) => {
    expect(parseAllowEntry(text)).toBeNull();
  });

  it('matches a wildcard for exactly one label below its parent, as a TLS certificate does', () => {
    const entries = [parseAllowEntry('*.wild.example')].filter((entry) => entry !== null);
    expect(nameAllowed('x.wild.example', entries)).toBe(true);
    expect(nameAllowed('X.WILD.example.', entries)).toBe(true);
    expect(nameAllowed('wild.example', entries)).toBe(false);
    expect(nameAllowed('a.b.wild.example', entries)).toBe(false);
    expect(nameAllowed('xwild.example', entries)).toBe(false);
  });

  it('never allows a name that no entry names (any name, any entries)', () => {
    fc.assert(
      fc.property(fc.domain(), fc.array(fc.domain(), { maxLength: 5 }), (name, listed) => {
        const entries = listed.map((text) => parseAllowEntry(text)).filter((entry) => entry !== null);
        const expected = listed.some((text) => text.toLowerCase() === name.toLowerCase());
        expect(nameAllowed(name, entries)).toBe(expected);
      }),
    );
  });
});

describe('the policy file', () => {
  it('lists the mode, names, wildcards, networks, presets, host addresses and resolvers, one a line', () => {
    const text = policyText(
      { egress: 'allowlist', allowedHosts: ['api.example.com', '*.cdn.example', '192.0.2.7'], allowedNetworks: ['10.1.0.0/16'], allowPresets: ['npm'], dns: ['192.168.1.1'] },
      ['203.0.113.9', '2001:db8::9', 'not-an-address'],
    );
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^id [0-9a-f]{16}$/);
    expect(lines.slice(1)).toEqual([
      'mode allowlist',
      'name api.example.com',
      'wildcard cdn.example',
      'net 192.0.2.7/32',
      'net 10.1.0.0/16',
      'name registry.npmjs.org',
      'name registry.yarnpkg.com',
      'host 203.0.113.9',
      'host 2001:db8::9',
      'dns 192.168.1.1',
    ]);
  });

  it('names each version by its content', () => {
    const a = policyText(open, []);
    expect(policyId(a)).toBe(policyId(policyText(open, [])));
    expect(policyId(a)).not.toBe(policyId(policyText({ ...open, egress: 'allowlist' }, [])));
  });

  it('takes every host address outside loopback, and no link-local IPv6', () => {
    const addresses = hostAddresses({
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
      eth0: [
        { address: '203.0.113.5', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
        { address: '2001:db8::5', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
      ],
    });
    expect(addresses).toEqual(['2001:db8::5', '203.0.113.5']);
  });

  it('drops duplicate entries, whichever list they come from', () => {
    expect(allowEntries({ allowedHosts: ['registry.npmjs.org', '10.0.0.1'], allowedNetworks: ['10.0.0.1/32'], allowPresets: ['npm'] })).toHaveLength(3);
  });
});

describe('presets', () => {
  it('hold valid entries only', () => {
    for (const name of ALLOW_PRESET_NAMES) for (const host of ALLOW_PRESETS[name].hosts) expect(parseAllowEntry(host), `${name}: ${host}`).not.toBeNull();
  });

  it('are documented name by name in docs/configuration.md', () => {
    const docs = fs.readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of ALLOW_PRESET_NAMES) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `docs row for preset ${name}`).toBeDefined();
      for (const host of ALLOW_PRESETS[name].hosts) expect(row).toContain(`\`${host}\``);
    }
  });
});

describe('the network log', () => {
  it('reads the firewall\'s event lines, with the engine\'s time', () => {
    const event = parseNetLine({
      time: '2026-12-06T10:00:00.123456789Z',
      line: `${NET_EVENT_PREFIX}{"kind":"dns","name":"api.example.com","type":"A","address":"192.0.2.1","answers":["192.0.2.1","192.0.2.2"],"port":53,"protocol":"udp","verdict":"allowed"}`,
    });
    expect(event).toEqual({
      time: '2026-12-06T10:00:00.123456789Z', kind: 'dns', name: 'api.example.com', address: '192.0.2.1', port: 53, protocol: 'udp', verdict: 'allowed', queryType: 'A', answers: ['192.0.2.1', '192.0.2.2'], reason: null,
    });
    expect(Object.keys(JSON.parse(netEventJson(event!)) as object).slice(0, 7)).toEqual(['time', 'kind', 'name', 'address', 'port', 'protocol', 'verdict']);
  });

  it('never passes a control character of a queried name on, in JSON or to a terminal', async () => {
    const { netEventLine } = await import('../../core/cli/net-commands.ts');
    const { style } = await import('../../core/cli/io.ts');
    const event = parseNetLine({ time: null, line: `${NET_EVENT_PREFIX}{"kind":"dns","name":"\\u001b]52;c;aGk=\\u0007x.example\\u009b","verdict":"blocked"}` });
    expect(event?.name).toContain('\u001b');
    expect(netEventJson(event!)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const line = netEventLine({ style: style(false) } as never, event!);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toContain('␛]52;c;aGk=␇x.example');
  });

  it.each(['paddock-firewall: egress rules installed', `${NET_EVENT_PREFIX}{not json`, `${NET_EVENT_PREFIX}{"kind":"other","verdict":"allowed"}`])('ignores %j', (line) => {
    expect(parseNetLine({ time: null, line })).toBeNull();
  });
});

describe('allow and deny edits', () => {
  const config = { workspaces: { web: { allowed_hosts: ['api.example.com'], allowed_networks: ['10.1.0.0/16'] } }, defaults: { allowed_hosts: ['registry.npmjs.org'] } };

  it('adds a name, a wildcard or a network to the right list, once', () => {
    expect(allowChange(config, 'web', 'other.example.com').edits).toEqual([{ op: 'add', path: ['workspaces', 'web', 'allowed_hosts'], value: 'other.example.com' }]);
    expect(allowChange(config, 'web', '*.cdn.example').edits).toEqual([{ op: 'add', path: ['workspaces', 'web', 'allowed_hosts'], value: '*.cdn.example' }]);
    expect(allowChange(config, 'web', '192.0.2.7').edits).toEqual([{ op: 'add', path: ['workspaces', 'web', 'allowed_networks'], value: '192.0.2.7/32' }]);
    expect(allowChange(config, 'web', 'API.example.com').edits).toEqual([]);
    expect(allowChange(config, 'web', 'registry.npmjs.org').edits).toEqual([]);
  });

  it('removes what the workspace allows, and says where an inherited allow lives', () => {
    expect(denyChange(config, 'web', '10.1.0.0/16').edits).toEqual([{ op: 'remove', path: ['workspaces', 'web', 'allowed_networks'], value: '10.1.0.0/16' }]);
    expect(() => denyChange(config, 'web', 'registry.npmjs.org')).toThrow(/\[defaults\] allowed_hosts/);
    expect(() => allowChange(config, 'web', 'not a host')).toThrow(/not a host name/);
  });
});

describe('the firewall program', () => {
  it('compiles under perl', () => {
    const file = new URL('../../core/assets/firewall.pl', import.meta.url);
    expect(readAsset('firewall.pl')).toBe(fs.readFileSync(file, 'utf8'));
    const result = spawnSync('perl', ['-c', file.pathname], { encoding: 'utf8' });
    expect(result.stderr).toContain('syntax OK');
  });
});

describe('the config form', () => {
  it('names every preset in the help of allow_presets', async () => {
    const { workspaceGroups } = await import('../../renderer/config/fields.ts');
    const field = workspaceGroups({ forDefaults: false }).flatMap((group) => group.fields).find((candidate) => candidate.key === 'allow_presets');
    expect(field?.help).toContain(ALLOW_PRESET_NAMES.join(', '));
  });
});
