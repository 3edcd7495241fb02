import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up, type UpResult } from '../../core/compose/launcher.ts';
import { stablePort } from '../../core/compose/model.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { RUNTIMES, runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { inAgentOf } from '../support/workspace.ts';

const execFileAsync = promisify(execFile);

/**
 * Probes run inside real workspaces against the test's own hosts only: containers it starts on a
 * Docker network it creates (IPv4 and IPv6), plus a listener of its own on the host.
 */
describeWithDocker('sandboxed workspaces against the real engine', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  const id = crypto.randomBytes(3).toString('hex');
  const testNet = `paddock-it-${id}`;
  const v4 = `10.231.${parseInt(id.slice(0, 2), 16)}`;
  const v6 = `fd00:2310:${id.slice(0, 4)}`;
  const hosts = { blocked: { v4: `${v4}.10`, v6: `${v6}::10` }, allowed: { v4: `${v4}.20`, v6: `${v6}::20` } };
  const hostContainers: Docker.Container[] = [];
  const workspaces: string[] = [];
  let hostListener: net.Server;
  let hostPort = 0;
  let project: string;

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    project = path.join(sandbox.home, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'tools.Dockerfile'), 'ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends socat iproute2 iptables && rm -rf /var/lib/apt/lists/*\n');
    execFileSync('docker', ['build', '-q', '-t', 'paddock-it-testhost:1', '--build-arg', `BASE=${TEST_BASE_IMAGE}`, '-f', path.join(project, 'tools.Dockerfile'), project], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    await docker.createNetwork({ Name: testNet, EnableIPv6: true, IPAM: { Config: [{ Subnet: `${v4}.0/24` }, { Subnet: `${v6}::/64` }] }, Labels: { 'dev.paddock.test': id } });
    for (const [name, address] of Object.entries(hosts)) {
      const container = await docker.createContainer({
        Image: 'paddock-it-testhost:1',
        name: `paddock-it-${id}-${name}`,
        Entrypoint: ['sh', '-c', 'socat TCP6-LISTEN:7000,fork,ipv6only=0,reuseaddr SYSTEM:"echo hello" & exec socat UDP6-RECVFROM:7001,fork,ipv6only=0,reuseaddr SYSTEM:"echo pong"'],
        HostConfig: { NetworkMode: testNet },
        NetworkingConfig: { EndpointsConfig: { [testNet]: { IPAMConfig: { IPv4Address: address.v4, IPv6Address: address.v6 } } } },
      });
      await container.start();
      hostContainers.push(container);
    }
    hostListener = net.createServer((socket) => socket.end('host\n'));
    await new Promise<void>((resolve) => hostListener.listen(0, '0.0.0.0', resolve));
    hostPort = (hostListener.address() as net.AddressInfo).port;
  }, 600_000);

  afterAll(async () => {
    hostListener?.close();
    for (const name of workspaces) await down(name, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true }).catch(() => undefined);
    for (const container of hostContainers) await container.remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(testNet).remove().catch(() => undefined);
    await docker.getImage('paddock-it-testhost:1').remove({ force: true }).catch(() => undefined);
    sandbox?.cleanup();
  });

  const config = (name: string, extra = '') =>
    `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${name}]\npaths = ["${project}"]\nagent = "shell"\ndockerfile = "${project}/tools.Dockerfile"\nnetworks = ["${testNet}"]\n${extra}`;

  function workspaceOf(name: string, extra = '') {
    const text = config(name, extra);
    return resolveWorkspace(validateConfigText(text, 'test.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home));
  }

  async function start(name: string, extra = '', env: NodeJS.ProcessEnv = {}): Promise<UpResult> {
    if (!workspaces.includes(name)) workspaces.push(name);
    return up(workspaceOf(name, extra), {
      docker,
      cacheDir: path.join(sandbox.home, 'cache'),
      dataDir: path.join(sandbox.home, 'data'),
      home: sandbox.home,
      env: { ...process.env, ...env },
      exists: (file) => fs.existsSync(file),
      // tools.Dockerfile lies in the project, which the agent can write (hostile-builds tests that).
      approveBuild: () => true,
    });
  }

  const inAgent = (name: string, script: string) => inAgentOf(docker, name, script);

  const tcp = (name: string, host: string, port = 7000) => inAgent(name, `socat -t2 -T2 - TCP:${host.includes(':') ? `[${host}]` : host}:${port},connect-timeout=2 </dev/null`);
  // UDP may lose a datagram on a fresh path, so three tries: any answer counts as reachable.
  const udp = (name: string, host: string) =>
    inAgent(name, `for try in 1 2 3; do out=$(echo ping | socat -t1 -T1 - UDP:${host.includes(':') ? `[${host}]` : host}:7001 2>&1); case "$out" in *pong*) echo "$out"; break ;; esac; done`);

  const ws = `sb-${id}`;
  const allow = `allowed_networks = ["${hosts.allowed.v4}/32", "${hosts.allowed.v6}/128"]\n`;

  it('starts the agent unprivileged: UID 1000, no capabilities, no new privileges, no Docker socket', async () => {
    const result = await start(ws, allow);
    expect(result.services.firewall.action).toBe('created');
    expect(result.services.agent.action).toBe('created');
    const probe = await inAgent(ws, 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; ls /var/run/docker.sock 2>&1; echo "DOCKER_HOST=${DOCKER_HOST:-}"');
    expect(probe.output).toMatch(/^1000\n/);
    expect(probe.output).toMatch(/CapEff:\s+0{16}/);
    expect(probe.output).toMatch(/CapBnd:\s+0{16}/);
    expect(probe.output).toMatch(/NoNewPrivs:\s+1/);
    expect(probe.output).toMatch(/No such file/);
    expect(probe.output).toMatch(/DOCKER_HOST=\n/);
    const tmux = await inAgent(ws, 'ps -o user= -o args= -e');
    expect(tmux.output.split('\n').filter(Boolean).every((line) => !line.startsWith('root'))).toBe(true);
  }, 600_000);

  it('blocks private IPv4 and IPv6 hosts over TCP and UDP, and lets the allowlisted ones through', async () => {
    expect((await tcp(ws, hosts.allowed.v4)).output).toContain('hello');
    expect((await udp(ws, hosts.allowed.v4)).output).toContain('pong');
    expect((await tcp(ws, hosts.allowed.v6)).output).toContain('hello');
    expect((await udp(ws, hosts.allowed.v6)).output).toContain('pong');
    for (const address of [hosts.blocked.v4, hosts.blocked.v6]) {
      expect((await tcp(ws, address)).output).not.toContain('hello');
      expect((await udp(ws, address)).output).not.toContain('pong');
    }
  });

  it('blocks the host through the bridge gateway, which a plain container reaches', async () => {
    const network = await docker.getNetwork(`paddock-${ws}_default`).inspect();
    const gateway = network.IPAM?.Config?.[0]?.Gateway as string;
    expect((await tcp(ws, gateway, hostPort)).output).not.toContain('host');
    // Asynchronous: the listener lives in this process, so a blocking spawn would deadlock it.
    const control = await execFileAsync('docker', ['run', '--rm', '--network', `paddock-${ws}_default`, TEST_BASE_IMAGE, 'bash', '-c', `exec 3<>/dev/tcp/${gateway}/${hostPort} && timeout 5 cat <&3`]);
    expect(control.stdout).toContain('host');
  });

  it('keeps the rules out of the agent\'s reach', async () => {
    const routes = await inAgent(ws, 'ip route del default 2>&1; iptables -F OUTPUT 2>&1; ip route show default');
    expect(routes.output).toMatch(/Operation not permitted/);
    expect(routes.output).toMatch(/Permission denied|must be root|not permitted/);
    expect(routes.output).toMatch(/default via/);
  });

  it('delivers secrets to the agent only: not in inspect, not on any command line, files for UID 1000 alone', async () => {
    const name = `sec-${id}`;
    const tokenFile = path.join(sandbox.home, 'token.txt');
    fs.writeFileSync(tokenFile, 'file-secret-value-93\n');
    await start(name, `[workspaces.${name}.secrets.env.API_TOKEN]\nfrom_env = "IT_TOKEN"\n[workspaces.${name}.secrets.file.npmrc]\nfrom_file = "${tokenFile}"\n`, { IT_TOKEN: 'env-secret-value-42' });
    const agent = docker.getContainer(`paddock-${name}-agent-1`);
    const inspect = JSON.stringify(await agent.inspect());
    expect(inspect).not.toContain('env-secret-value-42');
    expect(inspect).not.toContain('file-secret-value-93');
    const argv = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(argv).not.toContain('env-secret-value-42');
    const seen = await inAgent(name, 'tmux send-keys -t agent "echo \\$API_TOKEN > /tmp/seen" Enter; sleep 1; cat /tmp/seen; stat -c "%a %u" /run/secrets/npmrc; cat /run/secrets/npmrc');
    expect(seen.output).toBe('env-secret-value-42\n400 1000\nfile-secret-value-93\n');
  }, 600_000);

  it('refuses to start when a secret source is missing, before creating anything', async () => {
    const name = `miss-${id}`;
    const failure = await start(name, `[workspaces.${name}.secrets.env.API_TOKEN]\nfrom_env = "IT_NOT_SET_ANYWHERE"\n`).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/IT_NOT_SET_ANYWHERE is not set/);
    expect(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) })).toEqual([]);
  });

  it('recreates nothing on a second up, and only what changed on a config change', async () => {
    const again = await start(ws, allow);
    expect(again.services).toMatchObject({ firewall: { action: 'kept' }, agent: { action: 'kept' } });
    const changed = await start(ws, `${allow}env = ["NEW=1"]\n`);
    expect(changed.services).toMatchObject({ firewall: { action: 'kept' }, agent: { action: 'recreated' } });
  }, 600_000);

  /** A base image: the test base with `run` on top, so the firewall built on it behaves as the test needs. */
  function buildBase(tag: string, run: string): void {
    const file = path.join(project, `${tag.replace(/[^a-z0-9]+/g, '-')}.Dockerfile`);
    fs.writeFileSync(file, `FROM ${TEST_BASE_IMAGE}\nRUN ${run}\n`);
    execFileSync('docker', ['build', '-q', '-t', tag, '-f', file, project], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  }

  /** up of a workspace from a whole config text, outside the suite's usual config. */
  function upFromText(text: string, name: string): Promise<UpResult> {
    const host = nodeHost(sandbox.home);
    return up(resolveWorkspace(validateConfigText(text, 't.toml', host).config, name, host), {
      docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file),
    });
  }

  /** Removes a workspace made on a base of buildBase's, the firewall images built on it, and the base. */
  async function removeWithBase(name: string, base: string): Promise<void> {
    await down(name, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true });
    for (const image of await docker.listImages({ filters: JSON.stringify({ label: ['dev.paddock.role=firewall'] }) })) {
      const info = await docker.getImage(image.Id).inspect();
      if (info.Config.Labels?.['dev.paddock.from'] === base) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    await docker.getImage(base).remove({ force: true }).catch(() => undefined);
  }

  it('fails closed: when the firewall cannot install its rules, the agent never starts and up says why', async () => {
    // A base whose nft always fails: the firewall image built on it cannot filter anything.
    const broken = `paddock-it-nonft-${id}:1`;
    buildBase(broken, `printf '#!/bin/sh\\nexit 1\\n' > /usr/local/sbin/nft && chmod +x /usr/local/sbin/nft`);
    const name = `closed-${id}`;
    workspaces.push(name);
    try {
      const text = `[base]\nfrom = "${broken}"\n[workspaces.${name}]\npaths = ["${project}"]\nagent = "shell"\nimage = "paddock-it-testhost:1"\n`;
      const failure = await upFromText(text, name).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/firewall container exited with code 1/);
      expect((failure as Error).message).toMatch(/nft refused the rules/);
      const agent = await docker.getContainer(`paddock-${name}-agent-1`).inspect().catch(() => null);
      expect(agent === null || (!agent.State.Running && agent.State.StartedAt.startsWith('0001-'))).toBe(true);
    } finally {
      await removeWithBase(name, broken);
    }
  }, 600_000);

  it('starts the agent of a stopped workspace (a host reboot) only once the new run\'s rules are in', async () => {
    // A base whose nft takes 3 s on its first call in each run, so that the rules come late.
    const slow = `paddock-it-slownft-${id}:1`;
    buildBase(slow, `printf '#!/bin/sh\\n[ -e /dev/shm/slow ] || { touch /dev/shm/slow; sleep 3; }\\nexec /usr/sbin/nft "$@"\\n' > /usr/local/sbin/nft && chmod +x /usr/local/sbin/nft`);
    const name = `reboot-${id}`;
    workspaces.push(name);
    // The agent image of the workspace the other tests run (one with tmux), built if this test runs alone.
    await start(ws, allow);
    const agentImage = (await docker.getContainer(`paddock-${ws}-agent-1`).inspect()).Config.Image;
    const text = `[base]\nfrom = "${slow}"\n[workspaces.${name}]\npaths = ["${project}"]\nagent = "shell"\nimage = "${agentImage}"\n`;
    try {
      await upFromText(text, name);
      await docker.getContainer(`paddock-${name}-agent-1`).stop({ t: 0 });
      await docker.getContainer(`paddock-${name}-firewall-1`).stop({ t: 0 });
      const again = await upFromText(text, name);
      expect(again.services).toMatchObject({ firewall: { action: 'started' }, agent: { action: 'recreated' } });
      // The earlier run's output and ready mark are still in the container: they must not count.
      const rules = await execFileAsync('docker', ['exec', `paddock-${name}-firewall-1`, '/usr/sbin/nft', 'list', 'chain', 'inet', 'paddock', 'output']).catch((error: { stderr: string }) => ({ stdout: '', stderr: error.stderr }));
      expect(rules.stdout).toContain('policy drop');
    } finally {
      await removeWithBase(name, slow);
    }
  }, 600_000);

  it('cuts the agent off when the firewall dies, and up repairs it', async () => {
    await docker.getContainer(`paddock-${ws}-firewall-1`).kill();
    expect((await tcp(ws, hosts.allowed.v4)).output).not.toContain('hello');
    const repaired = await start(ws, `${allow}env = ["NEW=1"]\n`);
    expect(repaired.services).toMatchObject({ firewall: { action: 'started' }, agent: { action: 'recreated' } });
    expect((await tcp(ws, hosts.allowed.v4)).output).toContain('hello');
    expect((await tcp(ws, hosts.blocked.v4)).output).not.toContain('hello');
  }, 600_000);

  describe('with enable_docker: a rootless Docker daemon behind the same firewall', () => {
    const name = `dind-${id}`;
    const inner = (script: string) => inAgent(name, `docker run --rm paddock-it-testhost:1 sh -c '${script}' 2>&1`);

    beforeAll(async () => {
      const result = await start(name, `${allow}enable_docker = true\n`);
      expect(result.services.dind?.action).toBe('created');
      // No registry is reachable from the test machine, so the inner daemon gets its image by load.
      await execFileAsync('sh', ['-c', `docker save paddock-it-testhost:1 | docker exec -i -u 1000:1000 paddock-${name}-dind-1 docker --host unix:///paddock-docker/docker.sock load`], { maxBuffer: 1 << 26 });
    }, 900_000);

    it('gives the agent a working docker client on the sidecar\'s socket, not the host\'s', async () => {
      const probe = await inAgent(name, 'echo "DOCKER_HOST=$DOCKER_HOST"; ls /var/run/docker.sock 2>&1; docker info --format "{{.SecurityOptions}}"');
      expect(probe.output).toContain('DOCKER_HOST=unix:///paddock-docker/docker.sock');
      expect(probe.output).toMatch(/No such file/);
      expect(probe.output).toContain('rootless');
      const agent = await inAgent(name, 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
      expect(agent.output).toMatch(/^1000\nCapEff:\s+0{16}\nCapBnd:\s+0{16}\nNoNewPrivs:\s+1/);
    }, 120_000);

    it('runs the sidecar as UID 1000 without NET_ADMIN, privileges or host mounts', async () => {
      // Root only for Docker's init (which just reaps and forwards signals) and the prelude that
      // opens up the TUN node: the daemon and everything under it run as UID 1000 and above.
      const top = await execFileAsync('docker', ['top', `paddock-${name}-dind-1`, '-eo', 'pid,uid,comm']);
      const processes = top.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
      expect(processes.map(([, , command]) => command)).toContain('dockerd');
      expect(processes.filter(([, uid]) => Number(uid) < 1000)).toEqual([[expect.any(String), '0', 'docker-init']]);
      const [kit] = processes.filter(([, , command]) => command === 'rootlesskit').sort(([a], [b]) => Number(a) - Number(b));
      const status = fs.readFileSync(`/proc/${kit?.[0]}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      expect(status).toMatch(/^CapPrm:\s+0{16}$/m);
      expect(status).toMatch(/^CapEff:\s+0{16}$/m);
      const info = await docker.getContainer(`paddock-${name}-dind-1`).inspect();
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(info.HostConfig.CapAdd).toEqual(['SETUID', 'SETGID', 'SETFCAP']);
      expect(info.Mounts.filter((mount) => mount.Type === 'bind')).toEqual([]);
      expect(info.HostConfig.NetworkMode).toBe(`container:${(await docker.getContainer(`paddock-${name}-firewall-1`).inspect()).Id}`);
    });

    it('holds containers the agent starts to the workspace\'s egress rules', async () => {
      expect((await inner(`socat -t2 -T2 - TCP:${hosts.allowed.v4}:7000,connect-timeout=3 </dev/null`)).output).toContain('hello');
      expect((await inner(`socat -t2 -T2 - TCP:${hosts.blocked.v4}:7000,connect-timeout=3 </dev/null`)).output).not.toContain('hello');
      const gateway = (await docker.getNetwork(`paddock-${name}_default`).inspect()).IPAM?.Config?.[0]?.Gateway as string;
      expect((await inner(`socat -t2 -T2 - TCP:${gateway}:${hostPort},connect-timeout=3 </dev/null`)).output).not.toContain('host');
    }, 120_000);

    it('keeps the rules out of reach of a privileged container on the inner daemon', async () => {
      const attempt = await inAgent(name, 'docker run --rm --privileged paddock-it-testhost:1 sh -c "iptables -F; iptables -P OUTPUT ACCEPT; echo flushed" 2>&1; docker run --rm --privileged --network host paddock-it-testhost:1 iptables -F 2>&1; echo done');
      expect(attempt.output).toContain('done');
      expect((await tcp(name, hosts.blocked.v4)).output).not.toContain('hello');
      expect((await inner(`socat -t2 -T2 - TCP:${hosts.blocked.v4}:7000,connect-timeout=3 </dev/null`)).output).not.toContain('hello');
    }, 120_000);

    it('recreates nothing on a second up, and drops the sidecar when enable_docker is turned off', async () => {
      const again = await start(name, `${allow}enable_docker = true\n`);
      expect(again.services).toMatchObject({ firewall: { action: 'kept' }, dind: { action: 'kept' }, agent: { action: 'kept' } });
      const off = await start(name, allow);
      expect(off.services.dind?.action).toBe('removed');
      expect(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.docker.compose.project=paddock-${name}`, 'com.docker.compose.service=dind'] }) })).toEqual([]);
    }, 300_000);
  });

  it('serves OpenCode on 127.0.0.1 at the workspace port, with its password in the environment only', async () => {
    const name = `oc-${id}`;
    const folder = path.join(sandbox.home, 'opencode');
    fs.mkdirSync(folder, { recursive: true });
    // A stand-in opencode (the real one needs the internet to install): it serves what it was given.
    fs.writeFileSync(path.join(folder, 'opencode'), String.raw`#!/usr/bin/perl
use IO::Socket::INET;
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => 4096, Listen => 5, ReuseAddr => 1) or die "listen: $!";
while (my $client = $server->accept) { print $client "HTTP/1.0 200 OK\r\n\r\nargs=@ARGV pw=$ENV{OPENCODE_SERVER_PASSWORD}"; close $client; }
`, { mode: 0o755 });
    fs.writeFileSync(path.join(folder, 'overlay.Dockerfile'), 'FROM ${BASE}\nCOPY opencode /usr/local/bin/\n');
    const text = `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[defaults]\nimage = "${TEST_BASE_IMAGE}"\n[workspaces.${name}]\npaths = ["${project}"]\ndockerfile = "${folder}/overlay.Dockerfile"\n`;
    workspaces.push(name);
    const result = await up(resolveWorkspace(validateConfigText(text, 't.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home)), {
      docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file),
    });
    expect(result.port).toBeGreaterThanOrEqual(24000);
    const password = fs.readFileSync(path.join(sandbox.home, 'data', 'workspaces', name, 'opencode-password'), 'utf8');
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(`http://127.0.0.1:${result.port}/`).then((r) => r.text());
    expect(response).toBe(`args=serve --hostname 0.0.0.0 --port 4096 pw=${password}`);
    const firewall = await docker.getContainer(`paddock-${name}-firewall-1`).inspect();
    expect(firewall.HostConfig.PortBindings?.['4096/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(result.port) }]);
    expect(JSON.stringify(await docker.getContainer(`paddock-${name}-agent-1`).inspect())).not.toContain(password);
    expect(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout).not.toContain(password);
    // up returns once its own run of the health test passes; Docker's check agrees at its next interval.
    let health: string | undefined;
    for (let i = 0; i < 50 && health !== 'healthy'; i++) {
      health = (await docker.getContainer(`paddock-${name}-agent-1`).inspect()).State.Health?.Status;
      if (health !== 'healthy') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(health).toBe('healthy');
  }, 600_000);

  it('names who holds a workspace\'s port: another workspace, or another program', async () => {
    const text = (name: string) =>
      `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[defaults]\nimage = "${TEST_BASE_IMAGE}"\n[workspaces.${name}]\npaths = ["${project}"]\ndockerfile = "${sandbox.home}/opencode/overlay.Dockerfile"\n`;
    const attempt = (name: string) =>
      up(resolveWorkspace(validateConfigText(text(name), 't.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home)), {
        docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file),
      }).catch((error: Error) => error);
    // A name whose port collides with the running OpenCode workspace's (1 in 8000: found by search).
    const taken = stablePort(`oc-${id}`);
    let twin = '';
    for (let i = 0; !twin; i++) if (stablePort(`twin-${i}`) === taken) twin = `twin-${i}`;
    workspaces.push(twin);
    expect(((await attempt(twin)) as Error).message).toMatch(new RegExp(`port ${taken} .* is taken by workspace "oc-${id}".*port = N`));
    // Its own port setting settles it.
    const free = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const settled = await up(resolveWorkspace(validateConfigText(`${text(twin)}port = ${free}\n`, 't.toml', nodeHost(sandbox.home)).config, twin, nodeHost(sandbox.home)), {
      docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file),
    });
    expect(settled.port).toBe(free);
    expect(await fetch(`http://127.0.0.1:${free}/`).then((r) => r.text())).toMatch(/^args=serve/);
    // Another program on a workspace's port: one the test holds itself, given to the workspace.
    const name = `busy-${id}`;
    workspaces.push(name);
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(0, '127.0.0.1', resolve));
    const held = (squatter.address() as net.AddressInfo).port;
    try {
      const failure = await up(resolveWorkspace(validateConfigText(`${text(name)}port = ${held}\n`, 't.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home)), {
        docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file),
      }).catch((error: Error) => error);
      expect((failure as Error).message).toMatch(new RegExp(`port ${held} .* is taken by another program`));
    } finally {
      squatter.close();
    }
  }, 600_000);

  it('says which network is missing', async () => {
    const name = `nonet-${id}`;
    const failure = await up(resolveWorkspace(validateConfigText(config(name).replace(testNet, 'paddock-no-such-network'), 't.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home)), {
      docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file), approveBuild: () => true,
    }).catch((error: Error) => error);
    expect((failure as Error).message).toMatch(/network "paddock-no-such-network".*does not exist/);
  }, 600_000);

  it('reports status and logs from the CLI, under Node and Deno', async () => {
    const file = path.join(sandbox.home, 'paddock.toml');
    fs.writeFileSync(file, config(ws, `${allow}env = ["NEW=1"]\n`));
    for (const runtime of ['node', 'deno'] as const) {
      const status = await runCli(runtime, ['--config', file, 'status', ws, '--json'], { home: sandbox.home });
      expect(status.code).toBe(0);
      const [row] = JSON.parse(status.stdout);
      expect(row).toMatchObject({ workspace: ws, state: 'running', health: 'healthy' });
      expect(row.stats.memory.used).toBeGreaterThan(0);
      expect(row.stats.pids.current).toBeGreaterThan(0);
      const logs = await runCli(runtime, ['--config', file, 'logs', ws, '--service', 'firewall'], { home: sandbox.home });
      expect(logs.stdout).toMatch(/firewall\s+paddock-firewall: egress rules installed \(nft/);
      const recent = await runCli(runtime, ['--config', file, 'logs', ws, '--service', 'firewall', '--since', new Date(Date.now() + 60_000).toISOString()], { home: sandbox.home });
      expect(recent.stdout).toBe('');
    }
  }, 120_000);

  it('exports a Compose file that docker-compose accepts, with no secret value in it', async () => {
    const file = path.join(sandbox.home, 'paddock.toml');
    fs.writeFileSync(file, config(ws, `${allow}[workspaces.${ws}.secrets.env.API_TOKEN]\nfrom_env = "IT_TOKEN"\n`));
    const exported = await runCli('node', ['--config', file, 'compose', ws], { home: sandbox.home, env: { IT_TOKEN: 'env-secret-value-42' } });
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain('env-secret-value-42');
    expect(exported.stdout).not.toContain('IT_TOKEN');
    const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
    if (process.env.CI || hasCompose) {
      const yaml = path.join(sandbox.home, 'compose.yml');
      fs.writeFileSync(yaml, exported.stdout);
      const checked = spawnSync('docker-compose', ['-p', `paddock-${ws}`, '-f', yaml, 'config'], { encoding: 'utf8', env: { ...process.env, IT_TOKEN: 'x' } });
      expect(checked.stderr).toBe('');
      expect(checked.status).toBe(0);
    }
  });

  it('keeps volumes on down and removes them with --volumes, from the CLI under Deno too', async () => {
    const file = path.join(sandbox.home, 'paddock.toml');
    fs.writeFileSync(file, config(ws, allow));
    const env = { XDG_DATA_HOME: path.join(sandbox.home, 'xdg-data'), XDG_CACHE_HOME: path.join(sandbox.home, 'cache-xdg') };
    const stopped = await runCli('deno', ['--config', file, 'down', ws, '--json'], { home: sandbox.home, env });
    expect(JSON.parse(stopped.stdout)).toEqual({ removed: ['agent', 'firewall'], volumesRemoved: [] });
    const volumes = (await docker.listVolumes({ filters: JSON.stringify({ label: [`com.docker.compose.project=paddock-${ws}`] }) })).Volumes.map((v) => v.Name).sort();
    expect(volumes).toEqual([`paddock-${ws}_cache`, `paddock-${ws}_data`]);
    const started = await runCli('deno', ['--config', file, 'up', ws, '--yes'], { home: sandbox.home, env });
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const removed = await runCli('node', ['--config', file, 'down', ws, '--volumes', '--json'], { home: sandbox.home, env });
    expect(JSON.parse(removed.stdout).volumesRemoved.sort()).toEqual(volumes);
  }, 600_000);

  it('follows container events from the CLI while a workspace starts and stops', async () => {
    const name = `ev-${id}`;
    const file = path.join(sandbox.home, 'paddock.toml');
    fs.writeFileSync(file, config(name));
    const child = spawn(RUNTIMES.node[0], [...RUNTIMES.node.slice(1), '--config', file, 'events', name, '--json'], { env: { ...process.env, HOME: sandbox.home } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100 && !output.includes('"watching"'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await start(name);
    await down(name, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true });
    for (let i = 0; i < 50 && !output.includes('"destroyed"'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const events = output.trim().split('\n').map((line) => JSON.parse(line));
    const seen = (service: string, type: string) => events.some((event) => event.service === service && event.type === type && event.workspace === name);
    for (const service of ['firewall', 'agent']) for (const type of ['created', 'started', 'destroyed']) expect(seen(service, type), `${service} ${type}`).toBe(true);
  }, 600_000);
});
