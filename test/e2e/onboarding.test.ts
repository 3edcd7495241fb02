import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from '../support/cli.ts';
import { launchChromium, startServe, type ServeProcess } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'e2e');

/**
 * A first run on a machine whose Docker is not running: the app must still open, say what is
 * wrong and what to do, and let the user add a workspace. No engine is needed (none is reached).
 */
describe('the app on a first run, without a Docker engine', () => {
  let sandbox: ReturnType<typeof tempHome>;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const initial = '# my settings, written by hand\n[defaults]\nmemory = "2g" # enough\n';

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    sandbox = tempHome();
    fs.mkdirSync(path.join(sandbox.home, 'code', 'blog'), { recursive: true });
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, initial);
    // An engine address where nothing listens: connecting fails at once, as with Docker stopped.
    serve = await startServe({ PATH: process.env.PATH, HOME: sandbox.home, PADDOCK_CONFIG: sandbox.config, DOCKER_HOST: `unix://${path.join(sandbox.home, 'no-docker.sock')}`, NO_COLOR: '1' });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    sandbox?.cleanup();
  });

  it('explains that there is no workspace yet, and that Docker is not reachable, with what to do', async () => {
    await page.goto(serve.url);
    await page.getByRole('heading', { name: 'No workspaces yet' }).waitFor();
    const notice = page.getByRole('alert').filter({ hasText: 'Docker is not reachable' });
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain('no-docker.sock');
    await notice.getByRole('button', { name: 'Retry' }).waitFor();
    await expect.poll(() => page.getByText('Docker unavailable').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'first-run.png') });
  });

  it('adds a workspace from the empty state, writing it below the comments of the file', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Blog');
    await page.getByLabel('Project folder', { exact: true }).fill('~/code/blog');
    await page.getByRole('button', { name: 'Add workspace' }).click();
    await page.getByText('use lowercase letters, digits and - only').waitFor();
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(initial);

    await page.getByLabel('Name', { exact: true }).fill('blog');
    await page.getByRole('button', { name: 'Add workspace' }).click();
    await page.getByRole('heading', { level: 1, name: /blog/ }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/workspaces/blog');
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(`${initial}\n[workspaces.blog]\npaths = ["~/code/blog"]\n`);
    expect(await page.getByLabel('Project folders, item 1').inputValue()).toBe('~/code/blog');
  });

  it('lists it, with starting disabled until Docker is there', async () => {
    await page.goto(`${serve.origin}/#/`);
    const card = page.locator('article[data-workspace="blog"]');
    await card.waitFor();
    expect(await card.getByRole('button', { name: 'Start blog', exact: true }).isDisabled()).toBe(true);
    expect(await card.textContent()).toContain('~/code/blog');
  });

  it('picks up a change made to the file in an editor, without a reload', async () => {
    const text = fs.readFileSync(sandbox.config, 'utf8');
    fs.writeFileSync(sandbox.config, `${text}\n[workspaces.notes]\npaths = ["~/code/blog"]\n`);
    await page.locator('article[data-workspace="notes"]').waitFor({ timeout: 10_000 });
  });
});
