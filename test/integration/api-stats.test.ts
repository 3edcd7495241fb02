import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiEvent } from '../../core/api/contract.ts';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

describeWithDocker('stats through the API, streamed by the engine', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  let api: Api;
  let container: Docker.Container;
  const ws = `stats-${crypto.randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, '');
    api = createApi({ configFile: sandbox.config, env: { ...process.env, HOME: sandbox.home } });
    // A container labelled as the launcher labels a workspace's agent, busy enough to use some CPU.
    container = await docker.createContainer({
      name: `paddock-${ws}-agent-1`,
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', 'while :; do :; done'],
      Labels: { 'com.docker.compose.project': `paddock-${ws}`, 'com.docker.compose.service': 'agent', 'dev.paddock.workspace': ws, 'dev.paddock.service': 'agent' },
      HostConfig: { NetworkMode: 'none', NanoCpus: 5e8 },
    });
    await container.start();
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await container?.remove({ force: true }).catch(() => undefined);
    sandbox?.cleanup();
  });

  it('pushes samples with a CPU rate to the subscribing client until it unfollows', async () => {
    const received: ApiEvent[] = [];
    const stop = api.subscribe((event) => received.push(event), { client: 'window-1' });
    const other: ApiEvent[] = [];
    const stopOther = api.subscribe((event) => other.push(event), { client: 'window-2' });
    try {
      const { subscription } = await api.call('stats.follow', { workspace: ws, subscription: 's1' }, { client: 'window-1' });
      expect(subscription).toBe('s1');
      const samples = () => received.filter((event) => event.event === 'stats.sample');
      for (let i = 0; i < 100 && samples().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(samples().length).toBeGreaterThanOrEqual(3);
      const last = samples().at(-1)?.payload as { stats: { running: boolean; cpuPercent: number; memory: { used: number } } };
      expect(last.stats.running).toBe(true);
      expect(last.stats.cpuPercent).toBeGreaterThan(10);
      expect(last.stats.memory.used).toBeGreaterThan(0);
      expect(other.some((event) => event.event === 'stats.sample')).toBe(false);
      expect(await api.call('stats.unfollow', { subscription: 's1' }, { client: 'window-1' })).toEqual({ stopped: true });
      for (let i = 0; i < 50 && !received.some((event) => event.event === 'stats.ended'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received.find((event) => event.event === 'stats.ended')?.payload).toEqual({ subscription: 's1', error: null });
    } finally {
      stop();
      stopOther();
    }
  }, 60_000);

  it('says when the workspace has no such service', async () => {
    await expect(api.call('stats.follow', { workspace: ws, service: 'dind' })).rejects.toMatchObject({ code: 'instance-not-found' });
  });
});
