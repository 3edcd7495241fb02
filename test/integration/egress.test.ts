import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up, type UpResult } from '../../core/compose/launcher.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { demuxToText } from '../../core/docker/streams.ts';
import { netEvents, type NetEvent } from '../../core/net/log.ts';
import { runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { inAgentOf, testProjectAndHost } from '../support/workspace.ts';

/**
 * Egress by name, against the real engine: a test resolver (dnsmasq in a container of the test's
 * own, on a network the test creates, with IPv4 and IPv6) serves test names that point at test
 * HTTP hosts on the same network. Workspaces set `dns` to it, except the one journey that resolves
 * the Debian mirror the base image's apt sources name through the engine's own resolver.
 */
const execFileAsync = promisify(execFile);

describeWithDocker('egress: DNS, name allowlists, the network log and live steering', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  let project: string;
  const id = crypto.randomBytes(3).toString('hex');
  const octet = 100 + (parseInt(id.slice(0, 2), 16) % 100);
  const testNet = `paddock-dns-${id}`;
  const v4 = `10.232.${octet}`;
  const v6 = `fd00:2320:${id.slice(0, 4)}`;
  const resolver = { v4: `${v4}.53`, v6: `${v6}::53` };
  const hostsIp = { allowed: `${v4}.20`, other: `${v4}.30`, wild: `${v4}.40`, rotateOld: `${v4}.50`, rotateNew: `${v4}.51` };
  const containers: Docker.Container[] = [];
  const networks: string[] = [];
  const workspaces: string[] = [];
  const hostsFile = (rotate: string) =>
    [
      `${hostsIp.allowed} allowed.paddock.test`,
      `${hostsIp.other} other.paddock.test`,
      `${hostsIp.wild} x.wild.paddock.test wild.paddock.test a.b.wild.paddock.test`,
      `${rotate} rotate.paddock.test`,
    ].join('\n');

  async function testContainer(name: string, network: string, address: { v4: string; v6?: string }, script: string): Promise<Docker.Container> {
    const container = await docker.createContainer({
      Image: 'paddock-it-dnshost:1',
      name: `paddock-dns-${id}-${name}`,
      Entrypoint: ['sh', '-c', script],
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: address.v4, ...(address.v6 ? { IPv6Address: address.v6 } : {}) } } } },
    });
    await container.start();
    containers.push(container);
    return container;
  }

  const httpHost = (name: string, address: string) =>
    testContainer(name, testNet, { v4: address }, `socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo HTTP/1.0 200 OK; echo; echo hello ${name}' & exec socat -t10 TCP-LISTEN:81,fork,reuseaddr SYSTEM:'sleep 6; echo late'`);

  let dnsmasq: Docker.Container;
  let privateResolver = '';

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    project = testProjectAndHost(sandbox.home, 'socat', 'paddock-it-dnshost:1', 'dnsmasq-base socat');
    await docker.createNetwork({ Name: testNet, EnableIPv6: true, IPAM: { Config: [{ Subnet: `${v4}.0/24` }, { Subnet: `${v6}::/64` }] }, Labels: { 'dev.paddock.test': id } });
    networks.push(testNet);
    // The resolver answers from a hosts file it reads again on SIGHUP, with a 2 s TTL, and logs every query it receives.
    dnsmasq = await testContainer(
      'resolver',
      testNet,
      resolver,
      `cat > /etc/test-hosts <<'EOF'\n${hostsFile(hostsIp.rotateOld)}\nEOF\nexec dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts=/etc/test-hosts --local-ttl=2 --log-queries --log-facility=- --user=root`,
    );
    for (const [name, address] of Object.entries(hostsIp)) await httpHost(name, address);
    // A second resolver in 192.168.0.0/16, where many home routers answer DNS. Another /24 is tried when one is taken.
    for (let third = 200 + (octet % 50); !privateResolver && third < 256; third++) {
      const name = `${testNet}-home`;
      try {
        await docker.createNetwork({ Name: name, IPAM: { Config: [{ Subnet: `192.168.${third}.0/24` }] }, Labels: { 'dev.paddock.test': id } });
      } catch {
        continue;
      }
      networks.push(name);
      privateResolver = `192.168.${third}.53`;
      await testContainer('home-resolver', name, { v4: privateResolver }, `cat > /etc/test-hosts <<'EOF'\n${hostsFile(hostsIp.rotateOld)}\nEOF\nexec dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts=/etc/test-hosts --local-ttl=2 --user=root`);
    }
  }, 900_000);

  afterAll(async () => {
    for (const name of workspaces) await down(name, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true }).catch(() => undefined);
    for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
    for (const name of networks) await docker.getNetwork(name).remove().catch(() => undefined);
    sandbox?.cleanup();
  });

  const configText = (name: string, extra: string) =>
    `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${name}]\npaths = ["${project}"]\nagent = "shell"\ndockerfile = "${project}/tools.Dockerfile"\n${extra}`;

  function writeConfig(name: string, extra: string): string {
    const file = path.join(sandbox.home, `${name}.toml`);
    fs.writeFileSync(file, configText(name, extra));
    return file;
  }

  /** up of the workspace as its config file says now (a test may have changed the file through the CLI). */
  function upFromFile(name: string): Promise<UpResult> {
    const host = nodeHost(sandbox.home);
    const file = path.join(sandbox.home, `${name}.toml`);
    const ws = resolveWorkspace(validateConfigText(fs.readFileSync(file, 'utf8'), file, host).config, name, host);
    return up(ws, { docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file), approveBuild: () => true });
  }

  function start(name: string, extra: string): Promise<UpResult> {
    if (!workspaces.includes(name)) workspaces.push(name);
    writeConfig(name, extra);
    return upFromFile(name);
  }

  async function run(container: Docker.Container, script: string): Promise<void> {
    const exec = await container.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
  }

  const inAgent = async (name: string, script: string) => (await inAgentOf(docker, name, script)).output;

  const fetch = (name: string, target: string, port = 80, seconds = 6) =>
    inAgent(name, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socat -t${seconds} -T${seconds} - TCP:${target}:${port},connect-timeout=3 2>&1`);
  /** One DNS query straight to a server, from the agent, with the perl every Debian image has. */
  const query = (name: string, server: string, qname: string, type: number) =>
    inAgent(
      name,
      `perl -MIO::Socket::IP -e 'my ($s,$n,$t)=@ARGV; my $c=IO::Socket::IP->new(PeerHost=>$s,PeerPort=>53,Proto=>"udp") or die "socket: $@"; $c->send(pack("n6",7,256,1,0,0,0).join("",map{chr(length).$_}split/\\./,$n)."\\0".pack("n2",$t,1)) or die "send: $!"; my $in=""; vec($in,fileno($c),1)=1; if (select($in,undef,undef,3) && defined $c->recv(my $r,4096)) { printf "rcode=%d answers=%d\\n", unpack("n",substr($r,2,2))&15, unpack("n",substr($r,6,2)) } else { print "no answer\\n" }' ${server} ${qname} ${type} 2>&1`,
    );
  const resolverLog = async () => demuxToText((await dnsmasq.logs({ stdout: true, stderr: true })) as Buffer);

  async function netLog(name: string): Promise<NetEvent[]> {
    const events: NetEvent[] = [];
    await netEvents(docker, name, {}, (event) => events.push(event));
    return events;
  }

  const listed = `sel-${id}`;
  const allowlist = `networks = ["${testNet}"]\ndns = ["${resolver.v4}"]\negress = "allowlist"\nallowed_hosts = ["allowed.paddock.test", "*.wild.paddock.test", "rotate.paddock.test"]\n`;

  it('answers allowed names through its own resolver and reaches them by name', async () => {
    await start(listed, allowlist);
    expect(await inAgent(listed, 'getent hosts allowed.paddock.test')).toContain(hostsIp.allowed);
    expect(await fetch(listed, 'allowed.paddock.test')).toContain('hello allowed');
    expect(await inAgent(listed, 'cat /etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.1$/m);
  }, 900_000);

  it('gives an unlisted name no answer, never asks upstream for it, and logs it as blocked', async () => {
    expect(await inAgent(listed, 'getent hosts other.paddock.test; echo "exit=$?"')).toContain('exit=2');
    const log = await netLog(listed);
    expect(log).toContainEqual(expect.objectContaining({ kind: 'dns', name: 'other.paddock.test', verdict: 'blocked', address: null }));
    expect(await resolverLog()).not.toContain('other.paddock.test');
  });

  it('matches a wildcard for one label only, never for the bare parent or two labels', async () => {
    expect(await fetch(listed, 'x.wild.paddock.test')).toContain('hello wild');
    expect(await inAgent(listed, 'getent hosts wild.paddock.test; echo "exit=$?"')).toContain('exit=2');
    expect(await inAgent(listed, 'getent hosts a.b.wild.paddock.test; echo "exit=$?"')).toContain('exit=2');
  });

  it('keeps TXT and long-label queries for unlisted domains inside the namespace (no DNS tunnel)', async () => {
    const label = `${'q'.repeat(57)}${id}`;
    expect(await query(listed, '127.0.0.1', `${label}.tunnel.paddock.test`, 16)).toContain('rcode=3');
    expect(await query(listed, '127.0.0.1', `data.tunnel.paddock.test`, 16)).toContain('rcode=3');
    const log = await resolverLog();
    expect(log).not.toContain('tunnel.paddock.test');
    expect(log).not.toContain(label);
  });

  it('lets the agent ask no resolver but its own: not the engine\'s, not the upstream', async () => {
    expect(await query(listed, '127.0.0.11', 'allowed.paddock.test', 1)).toMatch(/no answer|send:/);
    expect(await query(listed, resolver.v4, 'direct.paddock.test', 1)).toMatch(/no answer|send:/);
    expect(await resolverLog()).not.toContain('direct.paddock.test');
  });

  it('refuses an unlisted address by IP and logs the refusal within a second', async () => {
    const before = Date.now();
    expect(await fetch(listed, hostsIp.other)).not.toContain('hello');
    let event: NetEvent | undefined;
    for (let tries = 0; tries < 20 && !event; tries++) {
      event = (await netLog(listed)).find((candidate) => candidate.kind === 'connect' && candidate.address === hostsIp.other && candidate.port === 80);
      if (!event) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(event).toMatchObject({ verdict: 'blocked', protocol: 'tcp' });
    expect(Date.parse(event?.time ?? '') - before).toBeLessThan(1000 + 3000);
  });

  it('allows a name live with `paddock allow`: reachable within 2 s, an open connection kept, nothing recreated', async () => {
    const config = path.join(sandbox.home, `${listed}.toml`);
    const env = { PADDOCK_CONFIG: config, XDG_DATA_HOME: path.join(sandbox.home, 'xdg-data') };
    // A connection that is open while the allowlist changes: the late reply must still arrive.
    const pending = fetch(listed, 'allowed.paddock.test', 81, 12);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const allowed = await runCli('node', ['allow', listed, 'other.paddock.test', '--json'], { home: sandbox.home, env });
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    const result = JSON.parse(allowed.stdout) as { applied: boolean; appliedInMs: number };
    expect(result.applied).toBe(true);
    // From the file's delivery to the firewall's word that the new sets are in.
    expect(result.appliedInMs).toBeLessThan(2000);
    expect(await fetch(listed, 'other.paddock.test')).toContain('hello other');
    expect(await pending).toContain('late');
    expect(fs.readFileSync(config, 'utf8')).toMatch(/allowed_hosts = \[.*"other\.paddock\.test"\]/);

    const again = await upFromFile(listed);
    expect(again.services).toMatchObject({ firewall: { action: 'kept' }, agent: { action: 'kept' } });

    const denied = await runCli('node', ['deny', listed, 'other.paddock.test', '--json'], { home: sandbox.home, env });
    expect(JSON.parse(denied.stdout)).toMatchObject({ entry: 'other.paddock.test', key: 'allowed_hosts', changed: true, applied: true });
    expect(await inAgent(listed, 'getent hosts other.paddock.test; echo "exit=$?"')).toContain('exit=2');
  }, 120_000);

  it('follows a rotated address after its TTL, without a restart', async () => {
    expect(await fetch(listed, 'rotate.paddock.test')).toContain('hello rotateOld');
    await run(dnsmasq, `cat > /etc/test-hosts <<'EOF'\n${hostsFile(hostsIp.rotateNew)}\nEOF\nkill -HUP 1`);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(await inAgent(listed, 'getent hosts rotate.paddock.test')).toContain(hostsIp.rotateNew);
    expect(await fetch(listed, 'rotate.paddock.test')).toContain('hello rotateNew');
    expect(await fetch(listed, hostsIp.rotateOld)).not.toContain('hello');
  }, 60_000);

  it('prints the log as one JSON object a line with `paddock net --json --blocked`', async () => {
    const result = await runCli('node', ['net', listed, '--json', '--blocked'], { home: sandbox.home, env: { PADDOCK_CONFIG: path.join(sandbox.home, `${listed}.toml`) } });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 7)).toEqual(['time', 'kind', 'name', 'address', 'port', 'protocol', 'verdict']);
      expect(line.verdict).toBe('blocked');
    }
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'connect', address: hostsIp.other, port: 80, protocol: 'tcp' }));
  });

  it('gives the firewall of the exported Compose file its egress policy: `docker compose up` starts it ready', async () => {
    const exported = `cmp-${id}`;
    const file = writeConfig(exported, allowlist);
    const yaml = path.join(sandbox.home, 'compose.yml');
    const printed = await runCli('node', ['--config', file, 'compose', exported], { home: sandbox.home });
    expect(printed.stderr).toBe('');
    fs.writeFileSync(yaml, printed.stdout);
    const compose = (...args: string[]) => execFileAsync('docker-compose', ['-p', `paddock-${exported}`, '-f', yaml, ...args]);
    try {
      await compose('up', '-d', '--no-deps', 'firewall');
      let output = '';
      for (let tries = 0; tries < 50 && !output.includes('egress rules installed'); tries++) {
        output = (await execFileAsync('docker', ['logs', `paddock-${exported}_firewall_1`]).catch(() => ({ stdout: '' }))).stdout;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(output).toMatch(/policy [0-9a-f]+ applied \(allowlist\)/);
      expect(output).toContain('egress rules installed');
    } finally {
      await compose('down', '-v').catch(() => undefined);
    }
  }, 120_000);

  it('resolves in open mode through an IPv6-only upstream and through one in 192.168.0.0/16', async () => {
    const v6only = `six-${id}`;
    await start(v6only, `networks = ["${testNet}"]\ndns = ["${resolver.v6}"]\n`);
    expect(await inAgent(v6only, 'getent hosts allowed.paddock.test')).toContain(hostsIp.allowed);
    expect(privateResolver).not.toBe('');
    const home = `home-${id}`;
    await start(home, `networks = ["${testNet}-home"]\ndns = ["${privateResolver}"]\n`);
    expect(await inAgent(home, 'getent hosts other.paddock.test')).toContain(hostsIp.other);
    // Open mode answers every name, and the private address it gives stays blocked.
    expect(await fetch(home, 'other.paddock.test')).not.toContain('hello');
  }, 900_000);

  it('journey: an agent in open mode resolves the Debian mirror of its apt sources and fetches from it by name', async () => {
    const journey = `deb-${id}`;
    await start(journey, '');
    const sources = await inAgent(journey, 'cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null');
    const inAgentBash = (script: string) => inAgent(journey, `bash -c '${script.replace(/'/g, "'\\''")}'`);
    const mirror = /https?:\/\/([^/\s]+)(\/\S*)?/.exec(sources);
    expect(mirror).not.toBeNull();
    const [, mirrorHost, mirrorPath] = mirror as RegExpExecArray;
    expect(await inAgent(journey, `getent hosts ${mirrorHost}`)).toMatch(/\S+\s+\S+/);
    // bash's /dev/tcp tries every address the name has, as a user's tools would.
    const release = await inAgentBash(
      `exec 3<>/dev/tcp/${mirrorHost}/80 && printf 'HEAD ${(mirrorPath ?? '/debian').replace(/\/$/, '')}/dists/bookworm/Release HTTP/1.1\\r\\nHost: ${mirrorHost}\\r\\nConnection: close\\r\\n\\r\\n' >&3 && timeout 10 cat <&3`,
    );
    expect(release).toMatch(/^HTTP\/1\.[01] 200/);
    const log = await netLog(journey);
    expect(log).toContainEqual(expect.objectContaining({ kind: 'dns', name: mirrorHost, verdict: 'allowed' }));
  }, 900_000);
});
