import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up, type UpResult } from '../../core/compose/launcher.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { inAgentOf, testProjectAndHost } from '../support/workspace.ts';

const execFileAsync = promisify(execFile);

/**
 * The hostile-agent suite, network part: attacks an agent makes on the things around its
 * container (the namespace's first moments, broadcast and multicast, the host's own addresses,
 * inbound connections), each from inside a real workspace, against the test's own hosts.
 */
describeWithDocker('hostile agent: the network around the sandbox', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  let project: string;
  const id = crypto.randomBytes(3).toString('hex');
  const testNet = `paddock-hn-${id}`;
  const v4 = `10.233.${100 + (parseInt(id.slice(0, 2), 16) % 100)}`;
  const peer = `${v4}.10`;
  const containers: Docker.Container[] = [];
  const workspaces: string[] = [];
  let hostListener: net.Server;
  let hostPort = 0;
  let hostConnections = 0;

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    project = testProjectAndHost(sandbox.home, 'socat tmux', 'paddock-it-hostile-peer:1', 'socat');
    await docker.createNetwork({ Name: testNet, IPAM: { Config: [{ Subnet: `${v4}.0/24` }] }, Labels: { 'dev.paddock.test': id } });
    // A peer that answers TCP, and UDP sent to it, to the subnet's broadcast address or to all-hosts multicast.
    const container = await docker.createContainer({
      Image: 'paddock-it-hostile-peer:1',
      name: `paddock-hn-${id}-peer`,
      Entrypoint: ['sh', '-c', 'socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:"echo hello" & socat UDP4-RECVFROM:7002,broadcast,fork,reuseaddr SYSTEM:"echo pong" & exec socat UDP4-RECVFROM:7003,ip-add-membership=224.0.0.1:eth0,fork,reuseaddr SYSTEM:"echo pong"'],
      HostConfig: { NetworkMode: testNet },
      NetworkingConfig: { EndpointsConfig: { [testNet]: { IPAMConfig: { IPv4Address: peer } } } },
    });
    await container.start();
    containers.push(container);
    hostListener = net.createServer((socket) => {
      hostConnections++;
      socket.end('host\n');
    });
    await new Promise<void>((resolve) => hostListener.listen(0, '0.0.0.0', resolve));
    hostPort = (hostListener.address() as net.AddressInfo).port;
  }, 900_000);

  afterAll(async () => {
    hostListener?.close();
    for (const name of workspaces) await down(name, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true }).catch(() => undefined);
    for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(testNet).remove().catch(() => undefined);
    sandbox?.cleanup();
  });

  function upWith(name: string, extra: string, base = TEST_BASE_IMAGE): Promise<UpResult> {
    if (!workspaces.includes(name)) workspaces.push(name);
    const host = nodeHost(sandbox.home);
    const text = `[base]\nfrom = "${base}"\nvariant = "minimal"\n[workspaces.${name}]\npaths = ["${project}"]\ndockerfile = "${project}/tools.Dockerfile"\nnetworks = ["${testNet}"]\n${extra}`;
    const ws = resolveWorkspace(validateConfigText(text, 't.toml', host).config, name, host);
    return up(ws, { docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file), approveBuild: () => true });
  }

  const inAgent = async (name: string, script: string) => (await inAgentOf(docker, name, script)).output;

  const shell = `hn-${id}`;

  it('keeps broadcast and multicast from reaching peers on blocked subnets (open mode)', async () => {
    await upWith(shell, 'agent = "shell"\n');
    const send = (address: string, port: number) =>
      inAgent(shell, `for try in 1 2 3; do out=$(echo ping | socat -t1 -T1 - UDP4-DATAGRAM:${address}:${port},broadcast 2>&1); case "$out" in *pong*) echo "$out"; break ;; esac; done; echo done`);
    // The peer answers a plain container on its network, so it would answer the agent.
    const control = await execFileAsync('docker', ['run', '--rm', '--network', testNet, 'paddock-it-hostile-peer:1', 'sh', '-c', `echo ping | socat -t2 -T2 - UDP4-DATAGRAM:${v4}.255:7002,broadcast`]);
    expect(control.stdout).toContain('pong');
    expect(await send(`${v4}.255`, 7002)).not.toContain('pong');
    expect(await send('255.255.255.255', 7002)).not.toContain('pong');
    expect(await send('224.0.0.1', 7003)).not.toContain('pong');
  }, 900_000);

  it('keeps the host out of reach at every address it has, not only the gateway: its services and ports published on 0.0.0.0', async () => {
    const addresses = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []).filter((info) => info.family === 'IPv4' && !info.internal).map((info) => info.address);
    expect(addresses.length).toBeGreaterThan(0);
    const published = await docker.createContainer({
      Image: 'paddock-it-hostile-peer:1',
      name: `paddock-hn-${id}-published`,
      Entrypoint: ['socat', 'TCP-LISTEN:7000,fork,reuseaddr', 'SYSTEM:echo published'],
      HostConfig: { PortBindings: { '7000/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] } },
      ExposedPorts: { '7000/tcp': {} },
    });
    await published.start();
    containers.push(published);
    const publishedPort = (await published.inspect()).NetworkSettings.Ports['7000/tcp']?.[0]?.HostPort;
    for (const address of addresses) {
      const before = hostConnections;
      expect(await inAgent(shell, `socat -t2 -T2 - TCP:${address}:${hostPort},connect-timeout=2 </dev/null 2>&1`), address).not.toContain('host');
      expect(hostConnections, address).toBe(before);
      expect(await inAgent(shell, `socat -t2 -T2 - TCP:${address}:${publishedPort},connect-timeout=2 </dev/null 2>&1`), address).not.toContain('published');
    }
  }, 120_000);

  it("refuses connections in to the agent's listeners from containers on a joined network", async () => {
    await inAgent(shell, "tmux send-keys -t agent 'socat TCP-LISTEN:7100,fork,reuseaddr SYSTEM:\"echo inside\" &' Enter; sleep 1");
    expect(await inAgent(shell, 'socat -t2 -T2 - TCP:127.0.0.1:7100 </dev/null')).toContain('inside');
    const firewall = await docker.getContainer(`paddock-${shell}-firewall-1`).inspect();
    const address = firewall.NetworkSettings.Networks[testNet]?.IPAddress as string;
    const attempt = await execFileAsync('docker', ['run', '--rm', '--network', testNet, 'paddock-it-hostile-peer:1', 'sh', '-c', `socat -t2 -T2 - TCP:${address}:7100,connect-timeout=3 </dev/null 2>&1; true`]);
    expect(attempt.stdout).not.toContain('inside');
  }, 120_000);

  it('never runs the agent before this run\'s rules are in: 20 `docker start` races, zero leaks', async () => {
    // A base whose nft takes a second on its first call in each run, so the namespace exists well before its rules.
    const slow = `paddock-it-hn-slownft-${id}:1`;
    const file = path.join(sandbox.home, 'slow.Dockerfile');
    fs.writeFileSync(file, `FROM ${TEST_BASE_IMAGE}\nRUN printf '#!/bin/sh\\n[ -e /dev/shm/slow ] || { touch /dev/shm/slow; sleep 1; }\\nexec /usr/sbin/nft "$@"\\n' > /usr/local/sbin/nft && chmod +x /usr/local/sbin/nft\n`);
    execFileSync('docker', ['build', '-q', '-t', slow, '-f', file, sandbox.home], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const racer = `race-${id}`;
    const leaks = path.join(project, `leaks-${id}`);
    // The agent's first act: try the blocked peer at once, and note it when it gets through.
    const probe = `for i in 1 2 3 4 5 6 7 8 9 10; do if socat -t1 -T1 - TCP:${peer}:7000,connect-timeout=1 </dev/null 2>/dev/null | grep -q hello; then echo leak >> ${leaks}; fi; done; sleep infinity`;
    await upWith(racer, `command = ["sh", "-c", ${JSON.stringify(probe)}]\n`, slow);
    const firewall = `paddock-${racer}-firewall-1`;
    const agent = `paddock-${racer}-agent-1`;
    try {
      for (let run = 0; run < 20; run++) {
        await execFileAsync('docker', ['stop', '-t', '0', agent, firewall]);
        // As `docker start`, `docker compose start` or Docker Desktop after a reboot would: no `paddock up`.
        await execFileAsync('docker', ['start', firewall]);
        await execFileAsync('docker', ['start', agent]);
      }
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      expect(fs.existsSync(leaks) ? fs.readFileSync(leaks, 'utf8') : '').toBe('');
    } finally {
      await down(racer, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true }).catch(() => undefined);
      await docker.getImage(slow).remove({ force: true }).catch(() => undefined);
    }
  }, 900_000);

  it('runs nothing the agent planted in its home before the wrapper: start commands use absolute paths', async () => {
    const marker = `/home/agent/planted-ran-${id}`;
    await inAgent(shell, `mkdir -p ~/.local/bin && printf '#!/bin/sh\\ntouch ${marker}\\nexec /bin/sh "$@"\\n' > ~/.local/bin/sh && chmod +x ~/.local/bin/sh && cp ~/.local/bin/sh ~/.local/bin/tmux`);
    await execFileAsync('docker', ['restart', '-t', '0', `paddock-${shell}-firewall-1`]);
    await execFileAsync('docker', ['restart', '-t', '0', `paddock-${shell}-agent-1`]);
    // Long enough for the wrapper to start the session and for Docker to run the health check.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await inAgent(shell, 'ps -o args= -e')).toContain('/bin/sh -c set -eu');
    expect(await inAgent(shell, `ls ${marker} 2>&1`)).toMatch(/No such file/);
  }, 120_000);
});
