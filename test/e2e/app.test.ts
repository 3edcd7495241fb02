import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down } from '../../core/compose/launcher.ts';
import { applyEdits } from '../../core/config/edit.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { launchChromium, startServe, watchEngineEvents, type ServeProcess } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'e2e');

/** The engine's events that change a workspace's state (exec_* from health checks do not). */
const STATE_EVENTS = /^(create|start|die|destroy|health_status)/;

describeWithDocker('the app in Chromium, served by paddock serve, against the real engine', () => {
  const id = crypto.randomBytes(3).toString('hex');
  const started = `e2e-${id}`;
  const idle = `e2e-${id}-idle`;
  const broken = `e2e-${id}-broken`;
  let sandbox: ReturnType<typeof tempHome>;
  let docker: Docker;
  let serve: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let configText: string;
  let progressHref: string | null = null;

  const screenshot = (name: string, target: Page = page) => target.screenshot({ path: path.join(shots, `${name}.png`) });
  const card = (name: string) => page.locator(`article[data-workspace="${name}"]`);
  const readConfig = () => fs.readFileSync(sandbox.config, 'utf8');

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    sandbox = tempHome();
    const projects = path.join(sandbox.home, 'projects');
    for (const name of ['shop', 'notes', 'legacy']) fs.mkdirSync(path.join(projects, name), { recursive: true });
    // Fails in its first step that makes a layer, so a failed build leaves no image behind.
    fs.writeFileSync(path.join(projects, 'legacy', 'overlay.Dockerfile'), 'ARG BASE\nFROM ${BASE}\nRUN echo "checking the toolchain" && ls /no-such-toolchain\n');
    // The minimal embedded image on the offline test base and a shell agent: `up` works without the internet.
    configText = [
      '# Paddock config of the end-to-end test: every comment here must survive the app.',
      '[base]',
      `from = "${TEST_BASE_IMAGE}"`,
      'variant = "minimal"   # no agent CLIs to download',
      '',
      '[defaults]',
      'agent = "shell"',
      'memory = "1g"  # small machine',
      '',
      `[workspaces.${started}]`,
      '# the one the test starts',
      `paths = ["${path.join(projects, 'shop')}"]`,
      '',
      `[workspaces.${idle}]`,
      `paths = ["${path.join(projects, 'notes')}"]  # never started`,
      'env = ["EDITOR=vim"]',
      '',
      `[workspaces.${broken}]`,
      `paths = ["${path.join(projects, 'legacy')}"]`,
      `dockerfile = "${path.join(projects, 'legacy', 'overlay.Dockerfile')}"`,
      '',
    ].join('\n');
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, configText);
    docker = (await connectDocker()).docker;
    serve = await startServe({ PATH: process.env.PATH, HOME: sandbox.home, PADDOCK_CONFIG: sandbox.config, NO_COLOR: '1', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    for (const name of [started, idle, broken]) {
      await down(name, { docker, dataDir: path.join(sandbox.home, '.local', 'share', 'paddock'), volumes: true }).catch(() => undefined);
    }
    sandbox?.cleanup();
  }, 120_000);

  it('lists the workspaces of the config', async () => {
    await page.goto(serve.url);
    await expect.poll(() => card(started).count()).toBe(1);
    await expect.poll(() => card(idle).count()).toBe(1);
    await expect.poll(() => card(started).locator('[data-state]').getAttribute('data-state')).toBe('stopped');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Workspaces');
    expect(await card(idle).textContent()).toContain('~/projects/notes');
    await expect.poll(() => page.getByText('Docker connected').count()).toBe(1);
    // The page took the token out of the address bar; it holds it in its tab (see hostile-app.test.ts).
    expect(page.url()).not.toContain('token');
    await screenshot('workspaces');
  });

  it("serves React's production build, whatever NODE_ENV the build ran under", async () => {
    // vitest sets NODE_ENV=test, and the renderer is rebuilt from here when it is stale.
    const scripts = (await page.evaluate("Promise.all([...document.querySelectorAll('script[src]')].map(async (script) => (await fetch(script.src)).text()))")) as string[];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).not.toMatch(/jsxDEV|react-dom\.development/);
  });

  it("starts a workspace from the UI and shows it running within a second of the engine's event", async ({ annotate }) => {
    const watch = await watchEngineEvents(docker, started);
    try {
      // The page notes the moment the badge says "running", on the same clock as the events' arrival.
      await page.evaluate(`(() => {
        window.__runningAt = 0;
        const selector = 'article[data-workspace="${started}"] [data-state="running"]';
        const check = () => { if (!window.__runningAt && document.querySelector(selector)) window.__runningAt = Date.now(); };
        new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      })()`);
      await page.getByRole('button', { name: `Start ${started}`, exact: true }).click();
      const progress = card(started).getByRole('link', { name: 'View progress' });
      await progress.waitFor({ timeout: 10_000 });
      progressHref = await progress.getAttribute('href');
      await screenshot('workspaces-starting');
      await card(started).locator('[data-state="running"]').waitFor({ timeout: 600_000 });
      const runningAt = (await page.evaluate('window.__runningAt')) as number;
      expect(runningAt).toBeGreaterThan(0);
      // Allow for this process receiving the event a moment after the server did.
      const cause = watch.events.filter((event) => STATE_EVENTS.test(event.action) && event.receivedAt <= runningAt + 250).at(-1);
      expect(cause, `engine events: ${JSON.stringify(watch.events)}`).toBeDefined();
      expect(cause!.service).toBe('agent');
      expect(runningAt - cause!.receivedAt).toBeLessThan(1000);
      await annotate(`shown running ${runningAt - cause!.receivedAt} ms after the engine's "${cause!.action}" event of the ${cause!.service} container`);
      const running = await docker.listContainers({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${started}`] }) });
      expect(running.map((container) => container.Labels['dev.paddock.service']).sort()).toEqual(['agent', 'firewall']);
      await screenshot('workspaces-running');
    } finally {
      watch.stop();
    }
  }, 660_000);

  it('shows the progress of the start, image by image', async () => {
    expect(progressHref).toMatch(/^#\/operations\//);
    await page.goto(`${serve.origin}/${progressHref}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`Starting ${started}`) }).waitFor();
    await page.getByText(`${started} is running`).waitFor();
    const bars = page.getByRole('progressbar');
    expect(await bars.count()).toBeGreaterThanOrEqual(2);
    for (const bar of await bars.all()) expect(await bar.getAttribute('aria-valuetext')).toBe('100%');
    await screenshot('progress');
  });

  it('shows the running instance: containers, health, resources and its output', async () => {
    await page.goto(`${serve.origin}/#/instances/${started}`);
    const services = page.getByRole('table');
    await services.getByRole('row', { name: /agent/ }).waitFor();
    expect(await services.getByRole('row', { name: /firewall/ }).textContent()).toContain('running');
    // Two samples make a line.
    await page.locator('svg.sparkline path[stroke]').first().waitFor({ timeout: 20_000 });
    const output = page.getByRole('log', { name: `Output of ${started}` });
    await output.getByText('egress rules installed').waitFor({ timeout: 20_000 });
    const attach = page.getByRole('region', { name: 'Attach' });
    expect(await attach.locator('code').allTextContents()).toEqual([`paddock attach ${started}`, `paddock shell ${started}`]);
    expect(await attach.textContent()).toContain('Ctrl-B then D detaches');
    await screenshot('instance');
    const search = page.getByRole('searchbox', { name: 'Search the logs' });
    await search.fill('no line says this');
    await output.getByText('No line matches.').waitFor();
    await search.fill('egress');
    await output.locator('mark').first().waitFor();
    await search.fill('');
    await output.getByText(/policy [0-9a-f]+ applied/).waitFor();
  });

  it('shows a refused connection in the Network view within a second, and allows it from its row', async () => {
    await page.goto(`${serve.origin}/#/instances/${started}`);
    const network = page.getByRole('log', { name: `Network log of ${started}` });
    await network.waitFor();
    // The host, seen from the workspace's own network: refused (and logged) like every address of the host.
    const gateway = (await docker.getNetwork(`paddock-${started}_default`).inspect()).IPAM?.Config?.[0]?.Gateway as string;
    const agent = docker.getContainer(`paddock-${started}-agent-1`);
    const exec = await agent.exec({ Cmd: ['bash', '-c', `exec 3<>/dev/tcp/${gateway}/9 2>/dev/null; true`], AttachStdout: true, AttachStderr: true });
    const attempted = Date.now();
    const stream = await exec.start({});
    stream.resume();
    const row = network.locator('[data-verdict="blocked"]', { hasText: `${gateway}:9` }).first();
    await row.waitFor({ timeout: 5000 });
    const seenAfter = Date.now() - attempted;
    expect(seenAfter, 'a blocked request shows within 1 s of the attempt').toBeLessThan(1000);
    await screenshot('network');
    await row.getByRole('button', { name: `Allow ${gateway}` }).click();
    await page.getByRole('status').getByText(/the running workspace has it now/).waitFor({ timeout: 10_000 });
    const expected = applyEdits(configText, [{ op: 'add', path: ['workspaces', started, 'allowed_networks'], value: `${gateway}/32` }]);
    expect(readConfig()).toBe(expected);
    configText = expected;
  });

  it('stops it from the UI', async () => {
    await page.goto(`${serve.origin}/#/`);
    await page.getByRole('button', { name: `Stop ${started}`, exact: true }).click();
    await card(started).locator('[data-state="stopped"]').waitFor({ timeout: 60_000 });
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.paddock.workspace=${started}`] }) });
    expect(left).toEqual([]);
    expect(await card(started).getByRole('button', { name: `Start ${started}`, exact: true }).isEnabled()).toBe(true);
  });

  it('builds an image from the UI and points at the failing step of a broken Dockerfile', async () => {
    await page.goto(`${serve.origin}/#/instances/${broken}`);
    await page.getByRole('button', { name: 'Build image' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`Building ${broken}'s image`) }).waitFor();
    // Its Dockerfile lies in its project, which the agent can write: nothing builds before approval.
    const approval = page.getByRole('dialog', { name: `Approve the build of ${broken}?` });
    await approval.waitFor({ timeout: 120_000 });
    expect(await approval.textContent()).toContain('+RUN echo "checking the toolchain" && ls /no-such-toolchain');
    await screenshot('build-approval');
    await approval.getByRole('button', { name: 'Approve and build' }).click();
    await approval.waitFor({ state: 'hidden' });
    const failedStep = page.locator('li[aria-current="step"]');
    await failedStep.waitFor({ timeout: 300_000 });
    const text = await failedStep.textContent();
    expect(text).toContain('failed here');
    expect(text).toContain('RUN echo "checking the toolchain" && ls /no-such-toolchain');
    expect(text).toContain('No such file or directory');
    expect(await page.getByRole('alert').filter({ hasText: 'The image build failed' }).count()).toBe(1);
    await screenshot('progress-failed');
    // In the same page the operation is remembered: the list says the last build failed, and links to why.
    await page.evaluate("location.hash = '#/'");
    await card(broken).getByRole('link', { name: /^Failed .* see why$/ }).waitFor();
  }, 360_000);

  it("saves a changed value to the file, keeping the file's comments and layout", async () => {
    await page.goto(`${serve.origin}/#/workspaces/${idle}`);
    const memory = page.getByLabel('Memory', { exact: true });
    await memory.waitFor();
    expect(await memory.getAttribute('placeholder')).toBe('Default: 1g (from [defaults])');
    await memory.fill('768m');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved. Comments and formatting in the file are kept.').waitFor();
    const expected = applyEdits(configText, [{ op: 'set', path: ['workspaces', idle, 'memory'], value: '768m' }]);
    expect(readConfig()).toBe(expected);
    expect(expected).toContain(`memory = "768m"`);
    for (const comment of ['# Paddock config of the end-to-end test', '# no agent CLIs to download', '# small machine', '# the one the test starts', '# never started']) {
      expect(readConfig()).toContain(comment);
    }
    configText = expected;
  });

  it('shows an invalid value at its field and saves nothing', async () => {
    await page.goto(`${serve.origin}/#/workspaces/${idle}`);
    const memory = page.getByLabel('Memory', { exact: true });
    await memory.fill('lots');
    const field = page.locator('.field', { has: memory });
    await field.getByText('"lots" is not a memory size').waitFor();
    expect(await memory.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await memory.getAttribute('aria-describedby')) ?? '';
    const described = await Promise.all(describedBy.split(' ').map((ref) => page.locator(`[id="${ref}"]`).textContent()));
    expect(described.join(' ')).toContain('is not a memory size');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Nothing was saved: fix the marked fields.').waitFor();
    await expect.poll(() => memory.evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    expect(readConfig()).toBe(configText);
    await memory.scrollIntoViewIfNeeded();
    await screenshot('workspace-settings-invalid');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await memory.inputValue()).toBe('768m');
  });

  it('shows the defaults and the settings, in the dark theme too', async () => {
    await page.goto(`${serve.origin}/#/defaults`);
    await page.getByLabel('Build from', { exact: true }).waitFor();
    expect(await page.getByLabel('Build from', { exact: true }).inputValue()).toBe(TEST_BASE_IMAGE);
    await screenshot('defaults');
    await page.goto(`${serve.origin}/#/settings`);
    await page.getByText('unix://').or(page.getByText('tcp://')).or(page.getByText('ssh://')).first().waitFor();
    await page.getByRole('radio', { name: /Dark/ }).check();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await screenshot('settings-dark');
    await page.goto(`${serve.origin}/#/`);
    await card(idle).waitFor();
    await screenshot('workspaces-dark');
    await page.goto(`${serve.origin}/#/settings`);
    await page.getByRole('radio', { name: /System/ }).check();
    expect(await page.evaluate('document.documentElement.dataset.theme ?? null')).toBeNull();
  });

  it("loads nothing of the user's without the token: neither the page nor the socket", async () => {
    const stranger = await browser.newContext();
    try {
      const visitor = await stranger.newPage();
      const response = await visitor.goto(`${serve.origin}/`);
      expect(response?.status()).toBe(401);
      expect(await visitor.locator('#root').count()).toBe(0);
      expect(await visitor.textContent('body')).toContain('Paddock needs its token');
      const wrong = await visitor.goto(`${serve.origin}/?token=not-the-token`);
      expect(wrong?.status()).toBe(401);
      const socket = await visitor.evaluate(`new Promise((resolve) => {
        const ws = new WebSocket('ws://127.0.0.1:${serve.port}/api');
        ws.onopen = () => resolve('open');
        ws.onclose = () => resolve('refused');
      })`);
      expect(socket).toBe('refused');
    } finally {
      await stranger.close();
    }
  });
});
