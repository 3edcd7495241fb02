import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventName, EventPayload } from '../../core/api/contract.ts';
import type { ServerMessage } from '../../core/api/ws-protocol.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { RUNTIMES, tempHome, type Runtime } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  exited: Promise<number | null>;
}

/** `paddock serve` as users start it, under Node (the npm bin) or Deno; resolves once it printed its address. */
function startServe(runtime: Runtime, home: string, config: string): Promise<Served> {
  const [command, ...prefix] = RUNTIMES[runtime];
  const child = spawn(command, [...prefix, '--config', config, 'serve', '--no-open', '--json'], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      NO_COLOR: '1',
      DENO_DIR: path.join(root, 'node_modules', '.cache', 'deno'),
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || !line) return;
      const { url, port, token } = JSON.parse(line) as { url: string; port: number; token: string };
      resolve({ child, url, port, token, exited });
    });
    exited.then((code) => reject(new Error(`paddock serve exited with ${code} before printing its address:\n${stdout}\n${stderr}`)));
  });
}

function get(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A socket client that answers calls by id and keeps every event it was sent. */
class Client {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly events: Array<{ event: string; payload: unknown }> = [];
  private readonly waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === 'event') {
        this.events.push({ event: message.event, payload: message.payload });
        for (const wake of this.waiters.splice(0)) wake();
        return;
      }
      const call = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (!call || typeof message.id !== 'number') return;
      this.pending.delete(message.id);
      if (message.type === 'result') call.resolve(message.output);
      else call.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    });
  }

  call(method: string, input: unknown = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type: 'call', id, method, input }));
    });
  }

  /** The first event (already received or still to come) that matches. */
  async event<E extends EventName>(event: E, match: (payload: EventPayload<E>) => boolean = () => true, timeoutMs = 60_000): Promise<EventPayload<E>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((candidate) => candidate.event === event && match(candidate.payload as EventPayload<E>));
      if (found) return found.payload as EventPayload<E>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${event} event arrived in time; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

describeWithDocker('paddock serve against the real engine', () => {
  let docker: Docker;
  const workspaces: string[] = [];

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
  });

  afterAll(async () => {
    if (!docker) return;
    for (const ws of workspaces) {
      const containers = await docker.listContainers({ all: true, filters: { label: [`dev.paddock.workspace=${ws}`] } });
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      await docker.getNetwork(`paddock-${ws}_default`).remove().catch(() => undefined);
      const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`com.docker.compose.project=paddock-${ws}`] }) });
      await Promise.all((Volumes ?? []).map((volume) => docker.getVolume(volume.Name).remove().catch(() => undefined)));
    }
  });

  function workspaceName(): string {
    const name = `api-${crypto.randomBytes(4).toString('hex')}`;
    workspaces.push(name);
    return name;
  }

  /** A container labelled as the launcher labels a workspace's agent (created, not started). */
  function createAgent(ws: string, cmd: string[]): Promise<Docker.Container> {
    return docker.createContainer({
      name: `paddock-${ws}-agent-1`,
      Image: TEST_BASE_IMAGE,
      Cmd: cmd,
      Labels: {
        'com.docker.compose.project': `paddock-${ws}`,
        'com.docker.compose.service': 'agent',
        'dev.paddock.workspace': ws,
        'dev.paddock.service': 'agent',
      },
      HostConfig: { NetworkMode: 'none' },
      StopTimeout: 1,
    });
  }

  describe.each(Object.keys(RUNTIMES) as Runtime[])('under %s', (runtime) => {
    let sandbox: ReturnType<typeof tempHome>;
    let served: Served;
    let client: Client;
    let ws: string;

    beforeAll(async () => {
      sandbox = tempHome();
      ws = workspaceName();
      const project = path.join(sandbox.home, 'projects', ws);
      fs.mkdirSync(project, { recursive: true });
      fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
      fs.writeFileSync(sandbox.config, `[workspaces.${ws}]\npaths = ["${project}"]\nagent = "shell"\n`);
      served = await startServe(runtime, sandbox.home, sandbox.config);
    });

    afterAll(async () => {
      client?.ws.close();
      if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
      sandbox?.cleanup();
    });

    it('prints a 127.0.0.1 address that carries a 32-byte token', () => {
      expect(served.url).toBe(`http://127.0.0.1:${served.port}/?token=${served.token}`);
      expect(Buffer.from(served.token, 'base64url')).toHaveLength(32);
    });

    it('refuses the page and the socket without the token', async () => {
      expect((await get(served.port, '/')).status).toBe(401);
      expect((await get(served.port, '/?token=nope')).status).toBe(401);
      expect(await open(`ws://127.0.0.1:${served.port}/api`)).toBe(401);
      const first = await get(served.port, `/?token=${served.token}`);
      expect(first.status).toBe(200);
      expect(first.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a socket from a foreign origin, even with the token', async () => {
      expect(await open(`ws://127.0.0.1:${served.port}/api?token=${served.token}`, { origin: 'http://evil.example' })).toBe(403);
    });

    it('round-trips calls', async () => {
      const socket = await open(`ws://127.0.0.1:${served.port}/api?token=${served.token}`, { origin: `http://127.0.0.1:${served.port}` });
      if (typeof socket === 'number') throw new Error(`refused with ${socket}`);
      client = new Client(socket);
      const info = await client.call('app.info');
      expect(info.configFile).toBe(sandbox.config);
      const { workspaces: listed } = await client.call('workspaces.list');
      expect(listed).toEqual([expect.objectContaining({ name: ws, agent: 'shell' })]);
      expect(await client.call('engine.status')).toMatchObject({ state: 'connected' });
      expect(await client.call('instances.get', { workspace: ws })).toBeNull();
      await expect(client.call('logs.tail', { workspace: ws })).rejects.toMatchObject({ code: 'instance-not-found' });
    });

    it('pushes instances.changed as a container of the workspace starts, stops and goes', async () => {
      // Give the event watch a moment to open, so the start is seen as an event rather than by the first listing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const container = await createAgent(ws, ['sh', '-c', 'echo hello from the agent; exec sleep 300']);
      await container.start();
      const running = await client.event('instances.changed', (payload) => payload.workspace === ws && payload.state === 'running');
      expect(running.instance?.services).toEqual([expect.objectContaining({ service: 'agent', state: 'running', uptimeSeconds: expect.any(Number) })]);

      const subscription = `logs-${runtime}`;
      expect(await client.call('logs.follow', { workspace: ws, subscription })).toEqual({ subscription });
      const line = await client.event('logs.line', (payload) => payload.subscription === subscription);
      expect(line.line).toMatchObject({ service: 'agent', stream: 'stdout', line: 'hello from the agent' });
      expect(await client.call('logs.unfollow', { subscription })).toEqual({ stopped: true });
      expect(await client.event('logs.ended', (payload) => payload.subscription === subscription)).toEqual({ subscription, error: null });

      await container.stop();
      await client.event('instances.changed', (payload) => payload.workspace === ws && payload.state === 'stopped' && payload.instance !== null);
      await container.remove();
      await client.event('instances.changed', (payload) => payload.workspace === ws && payload.instance === null);
    });

    it('stops cleanly when told to the moment it prints its address', async () => {
      // Whoever reads the address may stop it at once: the signal must never find it unprepared.
      for (let attempt = 0; attempt < 5; attempt++) {
        const quick = await startServe(runtime, sandbox.home, sandbox.config);
        quick.child.kill('SIGTERM');
        expect(await quick.exited).toBe(0);
      }
    });

    it('stops cleanly on SIGTERM', async () => {
      client.ws.close();
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    });
  });

  it('starts and stops a workspace through the API, with progress', { timeout: 600_000 }, async () => {
    const sandbox = tempHome();
    const ws = workspaceName();
    const project = path.join(sandbox.home, 'projects', ws);
    fs.mkdirSync(project, { recursive: true });
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${ws}]\npaths = ["${project}"]\nagent = "shell"\n`);
    const served = await startServe('node', sandbox.home, sandbox.config);
    const socket = await open(`ws://127.0.0.1:${served.port}/api?token=${served.token}`);
    if (typeof socket === 'number') throw new Error(`refused with ${socket}`);
    const client = new Client(socket);
    try {
      expect(await client.call('workspaces.up', { workspace: ws, operation: 'up-1' })).toEqual({ operation: 'up-1' });
      const done = await client.event('operation.done', (payload) => payload.operation === 'up-1', 540_000);
      expect(done).toMatchObject({ status: 'succeeded', kind: 'up', workspace: ws, result: { type: 'launched', project: `paddock-${ws}` } });
      const progress = client.events.filter((event) => event.event === 'operation.progress').map((event) => (event.payload as EventPayload<'operation.progress'>).event.type);
      expect(progress).toEqual(expect.arrayContaining(['plan', 'service', 'ready']));
      await client.event('instances.changed', (payload) => payload.workspace === ws && payload.state === 'running');
      expect((await client.call('instances.list')).map((instance: { workspace: string }) => instance.workspace)).toContain(ws);

      expect(await client.call('workspaces.down', { workspace: ws, operation: 'down-1' })).toEqual({ operation: 'down-1' });
      const stopped = await client.event('operation.done', (payload) => payload.operation === 'down-1');
      expect(stopped).toMatchObject({ status: 'succeeded', result: { type: 'stopped', removed: expect.arrayContaining(['agent', 'firewall']) } });
      await client.event('instances.changed', (payload) => payload.workspace === ws && payload.instance === null);
    } finally {
      socket.close();
      served.child.kill('SIGTERM');
      await served.exited;
      sandbox.cleanup();
    }
  });
});
