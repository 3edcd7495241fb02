import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUNTIMES, runCli, tempHome, type Runtime } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

describeWithDocker('paddock doctor against the real engine', () => {
  let sandbox: ReturnType<typeof tempHome>;
  beforeAll(() => {
    sandbox = tempHome();
  });
  afterAll(() => sandbox.cleanup());

  for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
    it(`reports the engine and probes the firewall (${runtime})`, async () => {
      const result = await runCli(runtime, ['doctor', '--json', '--probe-image', TEST_BASE_IMAGE], { home: sandbox.home });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.ok).toBe(true);
      expect(report.endpoint.address).toMatch(/^(unix|tcp|ssh|npipe):\/\//);
      expect(report.engine.apiVersion).toMatch(/^\d+\.\d+$/);
      expect(report.engine.os).toBe('linux');
      expect(report.checks.find((c: { id: string }) => c.id === 'firewall')).toMatchObject({ status: 'ok' });
    });
  }

  it('prints a readable report on a terminal', async () => {
    const result = await runCli('node', ['doctor', '--probe-image', TEST_BASE_IMAGE], { home: sandbox.home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ Docker engine: .+ at /);
    expect(result.stdout).toMatch(/✓ Sandbox firewall: nftables works/);
    expect(result.stdout).toMatch(/Ready to run Paddock workspaces/);
  });

  it('finds the engine through the current docker context', async () => {
    const address = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
    const docker = path.join(sandbox.home, '.docker');
    const meta = path.join(docker, 'contexts', 'meta', crypto.createHash('sha256').update('paddock-test').digest('hex'));
    fs.mkdirSync(meta, { recursive: true });
    fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'paddock-test', Endpoints: { docker: { Host: address } } }));
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ currentContext: 'paddock-test' }));
    try {
      const result = await runCli('node', ['doctor', '--json'], { home: sandbox.home });
      expect(JSON.parse(result.stdout).endpoint).toEqual({ address, source: 'docker context "paddock-test"' });
    } finally {
      fs.rmSync(docker, { recursive: true, force: true });
    }
  });

  it('fails with exit 1 and a fix hint when the named engine is not there', async () => {
    const result = await runCli('node', ['doctor', '--json'], { home: sandbox.home, env: { DOCKER_HOST: `unix://${sandbox.home}/missing.sock` } });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ id: 'engine', status: 'fail', detail: expect.stringMatching(/missing\.sock \(DOCKER_HOST\): the socket does not exist/) });
    expect(report.checks[0].hint).toMatch(/DOCKER_HOST/);
  });

  it('says when the probe image cannot run instead of failing the engine', async () => {
    const result = await runCli('node', ['doctor', '--json', '--probe-image', 'paddock-doctor-test-missing:none'], { home: sandbox.home });
    const firewall = JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === 'firewall');
    expect(firewall.status).toBe('fail');
    expect(firewall.detail).toMatch(/could not run on paddock-doctor-test-missing:none/);
  });
});
