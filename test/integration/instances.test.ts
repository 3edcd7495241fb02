import crypto from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectDocker } from '../../core/docker/connect.ts';
import { watchInstances, type InstanceEvent } from '../../core/instances/events.ts';
import { execInInstance } from '../../core/instances/exec.ts';
import { InstanceNotFoundError, listInstances } from '../../core/instances/list.ts';
import { instanceLogs, type LogLine } from '../../core/instances/logs.ts';
import { instanceStats } from '../../core/instances/stats.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

describeWithDocker('instances against the real engine', () => {
  let docker: Docker;
  /** Every workspace name a test used: afterAll removes all their containers, whatever happened. */
  const workspaces: string[] = [];

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
  });

  afterAll(async () => {
    if (!docker) return;
    for (const ws of workspaces) {
      const containers = await docker.listContainers({ all: true, filters: { label: [`dev.paddock.workspace=${ws}`] } });
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
  });

  function workspace(): string {
    const name = `it-${crypto.randomBytes(4).toString('hex')}`;
    workspaces.push(name);
    return name;
  }

  interface ServiceSpec {
    cmd?: string[];
    healthcheck?: boolean;
    tty?: boolean;
    publish?: number;
    user?: string;
  }

  /** A container labelled as the launcher labels them (not started). */
  async function createService(ws: string, service: string, spec: ServiceSpec = {}): Promise<Docker.Container> {
    return docker.createContainer({
      name: `paddock-${ws}-${service}-1`,
      Image: TEST_BASE_IMAGE,
      Cmd: spec.cmd ?? ['sleep', '300'],
      User: spec.user ?? (service === 'agent' ? '1000:1000' : undefined),
      Tty: spec.tty ?? false,
      Labels: {
        'com.docker.compose.project': `paddock-${ws}`,
        'com.docker.compose.service': service,
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.container-number': '1',
        'com.docker.compose.config-hash': crypto.createHash('sha256').update(`${ws}/${service}`).digest('hex'),
        'dev.paddock.workspace': ws,
        'dev.paddock.service': service,
      },
      ...(spec.healthcheck ? { Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000, Timeout: 5_000_000_000, Retries: 3 } } : {}),
      ...(spec.publish ? { ExposedPorts: { [`${spec.publish}/tcp`]: {} } } : {}),
      HostConfig: {
        ...(spec.publish ? { PortBindings: { [`${spec.publish}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : { NetworkMode: 'none' }),
      },
      StopTimeout: 1,
    });
  }

  async function until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('lists a workspace found by its labels, with its services, health, ports and derived state', async () => {
    const ws = workspace();
    const firewall = await createService(ws, 'firewall', { publish: 8080 });
    const agent = await createService(ws, 'agent', { healthcheck: true });

    const created = (await listInstances(docker, { workspace: ws }))[0];
    expect(created).toMatchObject({ workspace: ws, project: `paddock-${ws}`, state: 'stopped' });
    expect(created?.services.map((s) => [s.service, s.state, s.exitCode, s.startedAt])).toEqual([
      ['firewall', 'created', null, null],
      ['agent', 'created', null, null],
    ]);

    await firewall.start();
    expect((await listInstances(docker, { workspace: ws }))[0]?.state).toBe('partial');
    await agent.start();
    const running = await until(async () => {
      const instance = (await listInstances(docker, { workspace: ws }))[0];
      return instance?.state === 'running' ? instance : null;
    }, 'the workspace to be running (agent healthy)');
    const [fw, ag] = running.services;
    expect(fw).toMatchObject({ service: 'firewall', id: firewall.id, name: `paddock-${ws}-firewall-1`, image: TEST_BASE_IMAGE, state: 'running', health: null, exitCode: null });
    expect(fw?.ports).toEqual([{ host: '127.0.0.1', hostPort: expect.any(Number), containerPort: 8080 }]);
    expect(fw?.ports[0]?.hostPort).toBeGreaterThan(0);
    expect(ag).toMatchObject({ service: 'agent', id: agent.id, name: `paddock-${ws}-agent-1`, state: 'running', health: 'healthy', exitCode: null, ports: [] });
    expect(Date.parse(ag?.startedAt ?? '')).toBeGreaterThan(Date.now() - 120_000);

    // Without a filter it is listed among the others; another workspace's filter leaves it out.
    expect((await listInstances(docker)).some((i) => i.workspace === ws)).toBe(true);
    expect(await listInstances(docker, { workspace: `${ws}-other` })).toEqual([]);

    await firewall.kill();
    const partial = (await listInstances(docker, { workspace: ws }))[0];
    expect(partial?.state).toBe('partial');
    expect(partial?.services[0]).toMatchObject({ service: 'firewall', state: 'exited', exitCode: 137, health: null });
    await agent.kill();
    expect((await listInstances(docker, { workspace: ws }))[0]?.state).toBe('stopped');
  });

  it('watches events from before the containers exist: created, started, healthy, died with its exit code, destroyed', async () => {
    const ws = workspace();
    const events: InstanceEvent[] = [];
    const controller = new AbortController();
    const watch = watchInstances(docker, (event) => events.push(event), { signal: controller.signal, workspace: ws });
    try {
      await watch.ready;
      const agent = await createService(ws, 'agent', { healthcheck: true, cmd: ['sh', '-c', 'trap "exit 3" TERM; sleep 300 & wait'] });
      const dind = await createService(ws, 'dind');
      await agent.start();
      await dind.start();
      const mine = (type: string, id: string) => events.find((e) => e.type === type && 'id' in e && e.id === id);
      await until(() => mine('healthy', agent.id), 'the healthy event');
      // An exec is an event too (exec_create, exec_start, exec_die), which the watch ignores.
      await (await execInInstance(docker, agent.id, { cmd: ['true'] })).exitCode;
      await agent.stop({ t: 5 });
      await until(() => mine('died', agent.id), 'the died event');
      await agent.remove();
      await dind.remove({ force: true });
      await until(() => mine('destroyed', agent.id) && mine('destroyed', dind.id), 'the destroyed events');

      const agentEvents = events.filter((e) => 'id' in e && e.id === agent.id);
      expect(agentEvents.map((e) => e.type)).toEqual(['created', 'started', 'healthy', 'died', 'destroyed']);
      for (const event of agentEvents) expect(event).toMatchObject({ workspace: ws, service: 'agent', id: agent.id, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      expect(mine('died', agent.id)).toMatchObject({ exitCode: 3 });
      expect(mine('died', dind.id)).toMatchObject({ service: 'dind', exitCode: 137 });
      expect(events.some((e) => e.type === 'reconnected')).toBe(false);
      // Only this workspace's containers, as asked.
      expect(events.every((e) => e.type === 'reconnected' || e.workspace === ws)).toBe(true);
    } finally {
      controller.abort();
      await watch.done;
    }
  });

  it('measures a running container: a real CPU rate, memory, pids, uptime', async () => {
    const ws = workspace();
    const busy = await createService(ws, 'agent', { cmd: ['sh', '-c', 'while :; do :; done'] });
    await busy.start();
    const stats = await instanceStats(docker, busy.id);
    expect(stats).toMatchObject({ id: busy.id, running: true });
    expect(stats.cpuPercent).toBeGreaterThan(10);
    expect(stats.cpuPercent).toBeLessThanOrEqual(stats.onlineCpus * 100 + 5);
    expect(stats.memory.used).toBeGreaterThan(0);
    expect(stats.memory.limit).toBeGreaterThan(stats.memory.used);
    expect(stats.pids.current).toBeGreaterThanOrEqual(1);
    expect(stats.network).toEqual({ rx: 0, tx: 0 }); // NetworkMode none
    expect(stats.block.read).toBeGreaterThanOrEqual(0);
    expect(stats.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(stats.uptimeSeconds).toBeLessThan(120);

    const idle = await createService(ws, 'firewall', { publish: 8081 });
    await idle.start();
    const quiet = await instanceStats(docker, idle.id);
    expect(quiet.cpuPercent).toBeLessThan(stats.cpuPercent);
    expect(quiet.pids.current).toBe(1);
    expect(quiet.network.rx).toBeGreaterThanOrEqual(0);

    await busy.kill();
    expect(await instanceStats(docker, busy.id)).toMatchObject({ running: false, cpuPercent: 0, uptimeSeconds: null });
  });

  it('reads logs line by line, stdout and stderr apart, with times, tail and a long line whole', async () => {
    const ws = workspace();
    const script = 'echo out-1; echo err-1 >&2; printf "%020000d\\n" 0; echo out-2; sleep 0.5; echo last; sleep 300';
    const agent = await createService(ws, 'agent', { cmd: ['sh', '-c', script] });
    const firewall = await createService(ws, 'firewall', { cmd: ['sh', '-c', 'echo fw-ready; sleep 300'] });
    await agent.start();
    await firewall.start();
    const read = async (options: Parameters<typeof instanceLogs>[2]) => {
      const lines: LogLine[] = [];
      await instanceLogs(docker, ws, options, (line) => lines.push(line));
      return lines;
    };
    const all = await until(async () => {
      const lines = await read({});
      return lines.length >= 6 ? lines : null;
    }, 'all the log lines');
    const agentLines = all.filter((l) => l.service === 'agent');
    const show = (l: LogLine) => (l.line.length > 100 ? `long:${l.line.length}` : l.line);
    // stdout and stderr are read apart by the engine: their relative order is not guaranteed.
    expect(agentLines.filter((l) => l.stream === 'stdout').map(show)).toEqual(['out-1', 'long:20000', 'out-2', 'last']);
    expect(agentLines.filter((l) => l.stream === 'stderr').map(show)).toEqual(['err-1']);
    const longLine = agentLines.find((l) => l.line.length > 100);
    expect(longLine?.line).toMatch(/^0+$/);
    expect(all.find((l) => l.service === 'firewall')).toMatchObject({ stream: 'stdout', line: 'fw-ready' });
    for (const line of all) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    const stdoutTimes = all.filter((l) => l.stream === 'stdout' && l.service === 'agent').map((l) => l.time ?? '');
    expect(stdoutTimes).toEqual([...stdoutTimes].sort());

    expect((await read({ service: 'agent', tail: 1 })).map((l) => l.line)).toEqual(['last']);
    expect((await read({ service: 'firewall' })).map((l) => l.line)).toEqual(['fw-ready']);
    expect(await read({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    await expect(read({ service: 'dind' })).rejects.toBeInstanceOf(InstanceNotFoundError);
  });

  it('follows logs until the signal aborts, including new output after a restart', async () => {
    const ws = workspace();
    const agent = await createService(ws, 'agent', { cmd: ['sh', '-c', 'echo boot; i=0; while :; do i=$((i+1)); echo tick-$i; echo warn-$i >&2; sleep 0.2; done'] });
    const firewall = await createService(ws, 'firewall', { cmd: ['sh', '-c', 'echo fw-boot; sleep 300'] });
    await agent.start();
    await firewall.start();
    const lines: LogLine[] = [];
    const controller = new AbortController();
    const following = instanceLogs(docker, ws, { follow: true, tail: 0, signal: controller.signal }, (line) => lines.push(line));
    try {
      await until(() => lines.filter((l) => l.line.startsWith('tick-')).length >= 3, 'followed lines');
      expect(lines.some((l) => l.line === 'boot' || l.line === 'fw-boot')).toBe(false); // tail 0: only what comes next
      expect(lines.some((l) => l.stream === 'stderr' && l.line.startsWith('warn-'))).toBe(true);
      await agent.restart({ t: 0 });
      await firewall.restart({ t: 0 });
      await until(() => lines.some((l) => l.line === 'boot') && lines.some((l) => l.line === 'fw-boot'), 'output after the restarts');
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Each once: the new run's output, nothing from before the restart replayed.
      expect(lines.filter((l) => l.line === 'boot')).toHaveLength(1);
      expect(lines.filter((l) => l.line === 'fw-boot')).toEqual([{ service: 'firewall', stream: 'stdout', line: 'fw-boot', time: expect.any(String) }]);
      // Nothing delivered twice: each stream's times only go forward.
      const times = lines.filter((l) => l.service === 'agent' && l.stream === 'stdout').map((l) => l.time ?? '');
      expect(times.every((time, i) => i === 0 || time > (times[i - 1] ?? ''))).toBe(true);
    } finally {
      controller.abort();
    }
    await following;
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines.length).toBe(count);
  });

  it('follows a stopped workspace and shows only the new output when it starts again', async () => {
    const ws = workspace();
    const agent = await createService(ws, 'agent', { cmd: ['sh', '-c', 'echo run-output; sleep 0.2'] });
    await agent.start();
    await agent.wait();
    const lines: LogLine[] = [];
    const controller = new AbortController();
    const following = instanceLogs(docker, ws, { follow: true, tail: 0, signal: controller.signal }, (line) => lines.push(line));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(lines).toEqual([]);
      await agent.start();
      await until(() => lines.length > 0, 'output of the second run');
      await agent.wait();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lines.map((l) => l.line)).toEqual(['run-output']);
    } finally {
      controller.abort();
    }
    await following;
  });

  it('execs: exit code and separate stderr, user, env and workdir, stdin through cat, and a TTY with resize', async () => {
    const ws = workspace();
    const agent = await createService(ws, 'agent');
    await agent.start();
    const run = async (options: Omit<Parameters<typeof execInInstance>[2], 'stdout' | 'stderr'>) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      stdout.on('data', (chunk: Buffer) => out.push(chunk));
      stderr.on('data', (chunk: Buffer) => err.push(chunk));
      const session = await execInInstance(docker, agent.id, { ...options, stdout, stderr });
      return { session, done: session.exitCode.then((code) => ({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })) };
    };

    expect(await (await run({ cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'] })).done).toEqual({ code: 3, stdout: 'to-out\n', stderr: 'to-err\n' });
    expect(await (await run({ cmd: ['sh', '-c', 'id -u; echo $GREETING; pwd'], user: '1000:1000', env: { GREETING: 'hello there' }, workdir: '/tmp' })).done).toEqual({
      code: 0,
      stdout: '1000\nhello there\n/tmp\n',
      stderr: '',
    });
    expect((await (await run({ cmd: ['id', '-u'], user: '0' })).done).stdout).toBe('0\n');

    const big = 'x'.repeat(100_000);
    const piped = await run({ cmd: ['cat'], stdin: Readable.from([Buffer.from('line one\n'), Buffer.from(`${big}\n`), Buffer.from('last')]) });
    expect(await piped.done).toEqual({ code: 0, stdout: `line one\n${big}\nlast`, stderr: '' });

    const tty = await run({ cmd: ['sh', '-c', 'sleep 1; stty size; echo to-err >&2; exit 5'], tty: true });
    await expect(tty.session.resize(123, 45)).resolves.toBeUndefined();
    const result = await tty.done;
    expect(result.code).toBe(5);
    expect(result.stdout).toContain('45 123\r\n');
    expect(result.stdout).toContain('to-err'); // a terminal has one output stream
    expect(result.stderr).toBe('');
    await expect(tty.session.resize(80, 24)).resolves.toBeUndefined(); // after exit: ignored

    const missing = await execInInstance(docker, agent.id, { cmd: ['/no/such/binary'] });
    expect([126, 127]).toContain(await missing.exitCode); // 126 on older engines, 127 on newer

    const controller = new AbortController();
    const long = await execInInstance(docker, agent.id, { cmd: ['sleep', '30'], signal: controller.signal });
    controller.abort();
    await expect(long.exitCode).rejects.toThrow();
  });
});
