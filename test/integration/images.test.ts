import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { demuxToText } from '../../core/docker/streams.ts';
import { BuildError, buildSidecar, buildWorkspace, type BuildEvent } from '../../core/images/build.ts';
import { imageLayers } from '../../core/images/layers.ts';
import { planWorkspace, prepareSteps } from '../../core/images/plan.ts';
import { DockerfileSourceError } from '../../core/images/source.ts';
import { runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

describeWithDocker('image pipeline against the real engine', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  let server: http.Server;
  let serverUrl: string;
  const workspaces: string[] = [];

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    server = http.createServer((request, response) => {
      const routes: Record<string, () => void> = {
        '/preset.Dockerfile': () => response.end(`FROM ${TEST_BASE_IMAGE}\nRUN echo from-url > /preset.txt\n`),
        '/redirect': () => response.writeHead(302, { location: '/preset.Dockerfile' }).end(),
        '/loop': () => response.writeHead(302, { location: '/loop' }).end(),
        '/huge': () => response.end(`# ${'x'.repeat(1024 * 1024 + 10)}\n`),
        '/slow': () => setTimeout(() => response.end('FROM scratch\n'), 3000).unref(),
      };
      const route = routes[request.url ?? ''];
      if (route) route();
      else response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    const overlays = await Promise.all(workspaces.map((name) => docker.listImages({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) })));
    const presets = (await docker.listImages({ filters: JSON.stringify({ label: ['dev.paddock.role=preset'] }) })).filter((image) => {
      const source = image.Labels?.['dev.paddock.source'] ?? '';
      return source.startsWith(sandbox.home) || source.startsWith(serverUrl);
    });
    for (const image of [...overlays.flat(), ...presets]) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    sandbox?.cleanup();
  });

  /** A fresh workspace folder and a config for it; every test gets its own workspace name. */
  function workspace(toml: (dir: string) => string, files: Record<string, string> = {}): { ws: () => ResolvedWorkspace; dir: string; name: string } {
    const name = `t-${crypto.randomBytes(4).toString('hex')}`;
    workspaces.push(name);
    const dir = path.join(sandbox.home, name);
    for (const [file, content] of Object.entries({ '.keep': '', ...files })) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      // WS in a file becomes the workspace name, so shared images (presets) are unique per test.
      fs.writeFileSync(path.join(dir, file), content.replaceAll('WS', name));
    }
    const text = toml(dir).replaceAll('WS', name);
    return {
      name,
      dir,
      ws: () => resolveWorkspace(validateConfigText(text, 'test.toml', nodeHost(sandbox.home)).config, name, nodeHost(sandbox.home)),
    };
  }

  // The pipeline itself, without build approvals (the hostile-builds suite tests those). The test's
  // server is on loopback, which Paddock refuses unless told otherwise.
  const fromTestServer = { allowAddress: (address: string) => address === '127.0.0.1' };
  const options = (extra: Partial<Parameters<typeof buildWorkspace>[1]> = {}) => ({ docker, cacheDir: path.join(sandbox.home, '.cache'), approval: null, sourceOptions: fromTestServer, ...extra });

  const onDefaultsImage = (dir: string) => `[defaults]\nimage = "${TEST_BASE_IMAGE}"\n[workspaces.WS]\npaths = ["${dir}"]\ndockerfile = "${dir}/overlay.Dockerfile"\n`;
  const onPreset = (dir: string) => `[base]\ndockerfile = "${dir}/base/preset.Dockerfile"\n[workspaces.WS]\npaths = ["${dir}"]\ndockerfile = "${dir}/app/overlay.Dockerfile"\n`;

  it('uses defaults.image as is when the workspace has no Dockerfile', async () => {
    const { ws } = workspace((dir) => `[defaults]\nimage = "${TEST_BASE_IMAGE}"\n[workspaces.WS]\npaths = ["${dir}"]\n`);
    expect(await planWorkspace(ws(), docker, options())).toMatchObject({ image: TEST_BASE_IMAGE, steps: [] });
    expect(await buildWorkspace(ws(), options())).toEqual({ image: TEST_BASE_IMAGE, built: [], skipped: [] });
  });

  it('uses a workspace image as is, even over defaults', async () => {
    const { ws } = workspace((dir) => `[defaults]\nimage = "ubuntu:24.04"\n[workspaces.WS]\npaths = ["${dir}"]\nimage = "${TEST_BASE_IMAGE}"\n`);
    expect(await buildWorkspace(ws(), options())).toEqual({ image: TEST_BASE_IMAGE, built: [], skipped: [] });
  });

  it('builds an overlay on defaults.image with ARG BASE injected, labels it, and builds nothing the second time', async () => {
    const { ws, name } = workspace(onDefaultsImage, { 'overlay.Dockerfile': '# syntax=docker/dockerfile:1\nFROM ${BASE}\nRUN echo overlay > /overlay.txt\n' });
    const first = await buildWorkspace(ws(), options());
    expect(first.image).toMatch(new RegExp(`^paddock-${name}:[0-9a-f]{12}$`));
    expect(first.built).toEqual([first.image]);
    const labels = (await docker.getImage(first.image).inspect()).Config.Labels;
    expect(labels).toMatchObject({ 'dev.paddock.role': 'overlay', 'dev.paddock.workspace': name, 'dev.paddock.hash': first.image.split(':')[1] });
    expect(labels['dev.paddock.source']).toMatch(/overlay\.Dockerfile$/);
    const second = await buildWorkspace(ws(), options());
    expect(second).toEqual({ image: first.image, built: [], skipped: [first.image] });
    expect((await planWorkspace(ws(), docker, options())).image).toBe(first.image);
  });

  it('rebuilds only the overlay when a context file changes, and nothing for an ignored one', async () => {
    const { ws, dir } = workspace(onPreset, {
      'base/preset.Dockerfile': `FROM ${TEST_BASE_IMAGE}\nRUN echo WS > /preset.txt\n`,
      'app/overlay.Dockerfile': 'FROM ${BASE}\nCOPY . /app/\n',
      'app/.dockerignore': '**/*.log\n',
      'app/src/main.txt': 'one\n',
      'app/src/debug.log': 'noise\n',
    });
    const first = await buildWorkspace(ws(), options());
    expect(first.built).toHaveLength(2);
    const [preset, overlay] = first.built;
    expect(preset).toMatch(/^paddock-base:preset-[0-9a-f]{12}$/);
    fs.appendFileSync(path.join(dir, 'app/src/debug.log'), 'more noise\n');
    expect(await buildWorkspace(ws(), options())).toEqual({ image: overlay, built: [], skipped: [preset, overlay] });
    fs.writeFileSync(path.join(dir, 'app/src/main.txt'), 'two\n');
    const third = await buildWorkspace(ws(), options());
    expect(third.skipped).toEqual([preset]);
    expect(third.built).toEqual([third.image]);
    expect(third.image).not.toBe(overlay);
    fs.chmodSync(path.join(dir, 'app/src/main.txt'), 0o755);
    const fourth = await buildWorkspace(ws(), options());
    expect(fourth.built).toHaveLength(1);
    // The Dockerfile Paddock sends is dropped by the engine before COPY, as the docker CLI's is.
    const listing = await runInImage(docker, fourth.image, ['ls', '-a', '/app']);
    expect(listing.split('\n')).not.toContain('.paddock.Dockerfile');
    expect(listing.split('\n')).toContain('.dockerignore');
    const cached: BuildEvent[] = [];
    await buildWorkspace(ws(), options({ rebuild: true, onEvent: (event) => event.type === 'step-cached' && cached.push(event) }));
    expect(cached.length).toBeGreaterThanOrEqual(2);
  });

  it('rebuilds the overlay when its base changes', async () => {
    const { ws, dir, name } = workspace(onPreset, {
      'base/preset.Dockerfile': `FROM ${TEST_BASE_IMAGE}\nRUN echo WS one > /preset.txt\n`,
      'app/overlay.Dockerfile': 'FROM ${BASE}\nRUN cat /preset.txt > /copy.txt\n',
    });
    const first = await buildWorkspace(ws(), options());
    fs.writeFileSync(path.join(dir, 'base/preset.Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nRUN echo ${name} two > /preset.txt\n`);
    const second = await buildWorkspace(ws(), options());
    expect(second.built).toHaveLength(2);
    expect(second.built.some((tag) => first.built.includes(tag))).toBe(false);
  });

  it('keeps the previous tag when the overlay fails, and says which step and line failed', async () => {
    const { ws, dir, name } = workspace(onDefaultsImage, { 'overlay.Dockerfile': 'FROM ${BASE}\nRUN echo ok\n' });
    const good = await buildWorkspace(ws(), options());
    fs.writeFileSync(path.join(dir, 'overlay.Dockerfile'), 'FROM ${BASE}\nRUN echo ok\nRUN echo about to fail; echo detail >&2; exit 7\n');
    const failure = await buildWorkspace(ws(), options()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildError);
    const error = failure as BuildError;
    expect(error.line).toBe(3);
    expect(error.instruction).toMatch(/^RUN echo about to fail/);
    expect(error.output).toEqual(expect.arrayContaining(['about to fail', 'detail']));
    expect(error.message).toMatch(/returned a non-zero code: 7/);
    const tags = (await docker.listImages({ filters: JSON.stringify({ reference: [`paddock-${name}`] }) })).flatMap((image) => image.RepoTags ?? []);
    expect(tags).toEqual([good.image]);
  });

  it('fails cleanly when a context file disappears while it is being sent', async () => {
    const { ws, dir, name } = workspace(onDefaultsImage, { 'overlay.Dockerfile': 'FROM ${BASE}\nCOPY . /ctx/\n', 'data/a.txt': 'a\n' });
    const build = buildWorkspace(ws(), options({ onEvent: (event) => event.type === 'image-start' && fs.rmSync(path.join(dir, 'data/a.txt')) }));
    await expect(build).rejects.toThrow(/ENOENT|a\.txt/);
    expect(await docker.listImages({ filters: JSON.stringify({ reference: [`paddock-${name}`] }) })).toEqual([]);
  });

  it('builds a preset from a URL, following a redirect, with an empty context', async () => {
    const { ws } = workspace((dir) => `[base]\ndockerfile = "${serverUrl}/redirect"\n[workspaces.WS]\npaths = ["${dir}"]\n`);
    const plan = await planWorkspace(ws(), docker, options());
    expect(plan.steps).toEqual([{ kind: 'preset', source: `${serverUrl}/redirect`, tag: expect.stringMatching(/^paddock-base:preset-[0-9a-f]{12}$/), base: TEST_BASE_IMAGE, context: null }]);
    const result = await buildWorkspace(ws(), options());
    expect(result.image).toBe(plan.image);
  });

  it('refuses URL sources that fail, each with its own reason, and never falls back', async () => {
    const failing = async (route: string, sourceOptions = {}) => {
      const { ws } = workspace((dir) => `[base]\ndockerfile = "${serverUrl}${route}"\n[workspaces.WS]\npaths = ["${dir}"]\n`);
      return buildWorkspace(ws(), options({ sourceOptions: { ...fromTestServer, ...sourceOptions } })).then(
        () => null,
        (error: unknown) => error as DockerfileSourceError,
      );
    };
    expect(await failing('/missing')).toMatchObject({ code: 'HTTP_STATUS', message: expect.stringMatching(/HTTP 404/) });
    expect(await failing('/redirect', { allowAddress: undefined })).toMatchObject({ code: 'ADDRESS' });
    expect(await failing('/huge')).toMatchObject({ code: 'TOO_LARGE' });
    expect(await failing('/loop')).toMatchObject({ code: 'REDIRECTS' });
    expect(await failing('/slow', { timeoutMs: 500 })).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/within 500 ms/) });
    expect(await failing('/x', {}).then(() => failing('/x'))).toBeInstanceOf(DockerfileSourceError);
  });

  it('cancels a build in the middle: the call ends at once, nothing is tagged, no container is left', async () => {
    const { ws, name } = workspace(onDefaultsImage, { 'overlay.Dockerfile': 'FROM ${BASE}\nRUN sleep 60\n' });
    const controller = new AbortController();
    const started = Date.now();
    const events: BuildEvent[] = [];
    const build = buildWorkspace(ws(), options({
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'step' && event.instruction.startsWith('RUN sleep')) setTimeout(() => controller.abort(new Error('stop')), 500);
      },
    }));
    await expect(build).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(events.some((event) => event.type === 'step' && event.instruction === 'RUN sleep 60')).toBe(true);
    expect(await docker.listImages({ filters: JSON.stringify({ reference: [`paddock-${name}`] }) })).toEqual([]);
    for (let i = 0; i < 50; i++) {
      const leftovers = await docker.listContainers({ all: true, filters: JSON.stringify({ ancestor: [TEST_BASE_IMAGE] }) });
      if (!leftovers.some((c) => c.Command.includes('sleep 60'))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const leftovers = await docker.listContainers({ all: true, filters: JSON.stringify({ ancestor: [TEST_BASE_IMAGE] }) });
    expect(leftovers.filter((c) => c.Command.includes('sleep 60'))).toEqual([]);
  });

  it('maps the layers of a built overlay to their Dockerfile lines', async () => {
    const dockerfile = 'FROM ${BASE}\n\n# a comment\nENV GREETING=hi\nRUN echo $GREETING > /greeting.txt\nCOPY overlay.Dockerfile /copy/\nWORKDIR /copy\n';
    const { ws } = workspace(onDefaultsImage, { 'overlay.Dockerfile': dockerfile });
    const { image } = await buildWorkspace(ws(), options());
    const prepared = await prepareSteps(ws(), options());
    const known = prepared.steps.map((step) => ({ text: step.dockerfile, source: step.source, userLine: step.userLine }));
    const started = Date.now();
    const result = await imageLayers(docker, image, known);
    expect(Date.now() - started).toBeLessThan(1000);
    const overlay = result.layers.filter((layer) => layer.part === 'overlay');
    expect(overlay.map((layer) => [layer.instruction.split(' ')[0], layer.line])).toEqual([
      ['ENV', 4],
      ['RUN', 5],
      ['COPY', 6],
      ['WORKDIR', 7],
    ]);
    expect(result.layers.filter((layer) => layer.part === 'upstream').length).toBeGreaterThan(0);
    expect(result.parts.map((part) => part.part)).toEqual(['upstream', 'overlay']);
    expect(result.layers.find((layer) => layer.instruction.startsWith('RUN'))?.size).toBeGreaterThan(0);
  });

  it('lists the layers of a 100-layer image in under 200 ms', async () => {
    const instructions = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? `RUN echo ${i} > /layer-${i}` : `ENV LAYER_${i}=${i}`));
    const { ws } = workspace(onDefaultsImage, { 'overlay.Dockerfile': `FROM \${BASE}\n${instructions.join('\n')}\n` });
    const { image } = await buildWorkspace(ws(), options());
    const prepared = await prepareSteps(ws(), options());
    const known = prepared.steps.map((step) => ({ text: step.dockerfile, source: step.source, userLine: step.userLine }));
    const times: number[] = [];
    let result: Awaited<ReturnType<typeof imageLayers>> | undefined;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      result = await imageLayers(docker, image, known);
      times.push(performance.now() - started);
    }
    expect(result?.layers.filter((layer) => layer.part === 'overlay')).toHaveLength(100);
    expect(result?.layers.at(-1)).toMatchObject({ instruction: 'ENV LAYER_99=99', line: 101 });
    expect(times.sort((a, b) => a - b)[2]).toBeLessThan(200);
  }, 300_000);

  it('builds the embedded minimal image from [base] from, with the agent user, then an overlay on it', async () => {
    const { ws } = workspace(
      (dir) => `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.WS]\npaths = ["${dir}"]\ndockerfile = "${dir}/overlay.Dockerfile"\n`,
      { 'overlay.Dockerfile': 'FROM ${BASE}\nRUN touch /home/agent/overlay-was-here\n' },
    );
    const result = await buildWorkspace(ws(), options());
    const embedded = [...result.built, ...result.skipped].find((tag) => tag.startsWith('paddock-base:embedded-'));
    expect(embedded).toMatch(/^paddock-base:embedded-[0-9a-f]{12}$/);
    const output = await runInImage(docker, result.image, ['bash', '-lc', 'id -u; id -g; echo $HOME; echo $PATH; ls /home/agent; git --version; rg --version | head -1; tmux -V; jq --version']);
    expect(output).toMatch(/^1000\n1000\n\/home\/agent\n\/home\/agent\/\.local\/bin:/);
    expect(output).toContain('overlay-was-here');
    expect(output).toMatch(/git version/);
    const again = await buildWorkspace(ws(), options());
    expect(again.built).toEqual([]);
  }, 600_000);

  it('builds the firewall image, which the doctor then probes by itself', async () => {
    const { ws } = workspace((dir) => `[base]\nfrom = "${TEST_BASE_IMAGE}"\n[workspaces.WS]\npaths = ["${dir}"]\n`);
    const tag = await buildSidecar(ws(), 'firewall', options());
    expect(tag).toMatch(/^paddock-firewall:[0-9a-f]{12}$/);
    expect((await docker.getImage(tag).inspect()).Config.Labels['dev.paddock.role']).toBe('firewall');
    const doctor = await runCli('node', ['doctor', '--json'], { home: sandbox.home });
    expect(JSON.parse(doctor.stdout).checks.find((check: { id: string }) => check.id === 'firewall')).toMatchObject({ status: 'ok' });
  }, 600_000);

  it('drives plan, build and layers from the CLI, with JSON events and exit codes', async () => {
    const { dir, name } = workspace(onDefaultsImage, { 'overlay.Dockerfile': 'FROM ${BASE}\nRUN echo cli > /cli.txt\n' });
    const config = path.join(dir, 'paddock.toml');
    fs.writeFileSync(config, onDefaultsImage(dir).replaceAll('WS', name));
    const cli = (...args: string[]) => runCli('node', ['--config', config, ...args], { home: sandbox.home });
    const plan = JSON.parse((await cli('plan', name, '--json')).stdout);
    expect(plan).toMatchObject({ workspace: name, steps: [{ kind: 'overlay', base: TEST_BASE_IMAGE, context: dir }] });
    // The overlay lies in the workspace's folder, which its agent can write: the build needs --yes.
    const build = await cli('build', name, '--json', '--yes');
    expect(build.code).toBe(0);
    const events = build.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'approval-required', workspace: name, steps: [{ kind: 'overlay', firstBuild: true }] });
    expect(events.at(-1)).toEqual({ type: 'done', image: plan.steps[0].tag, built: [plan.steps[0].tag], skipped: [] });
    expect(events.some((event) => event.type === 'step' && event.instruction === 'RUN echo cli > /cli.txt' && event.line === 2)).toBe(true);
    const layers = JSON.parse((await cli('layers', name, '--json')).stdout);
    expect(layers.layers.at(-1)).toMatchObject({ part: 'overlay', line: 2, instruction: 'RUN echo cli > /cli.txt' });
    fs.writeFileSync(path.join(dir, 'overlay.Dockerfile'), 'FROM ${BASE}\nRUN false\n');
    const failed = await cli('build', name, '--yes');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/overlay\.Dockerfile:2: RUN false/);
  });
});

async function runInImage(docker: Docker, image: string, command: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: command, User: '1000:1000', HostConfig: { NetworkMode: 'none' } });
  try {
    await container.start();
    await container.wait();
    return demuxToText((await container.logs({ stdout: true, stderr: true })) as Buffer);
  } finally {
    await container.remove({ force: true });
  }
}
