import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { down } from '../../core/compose/launcher.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { launchChromium, startServe, type ServeProcess } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'e2e');
const fixture = path.join(root, 'test', 'fixtures', 'projects', 'python');

/** A small overlay that builds offline but for Debian's mirror: one apt package the base lacks. */
const OVERLAY = ['ARG BASE', 'FROM ${BASE}', 'RUN apt-get update && apt-get install -y --no-install-recommends tree && rm -rf /var/lib/apt/lists/*'];

describeWithDocker('the Dockerfile workbench in Chromium: onboarding, the editor and the layers', () => {
  // The folder's name becomes the workspace's: unique, so parallel runs on one engine do not meet.
  const name = `wb-${crypto.randomBytes(3).toString('hex')}`;
  let sandbox: ReturnType<typeof tempHome>;
  let docker: Docker;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let project: string;
  const cspMessages: string[] = [];
  const pageErrors: string[] = [];

  const screenshot = (file: string) => page.screenshot({ path: path.join(shots, `${file}.png`) });
  const editorText = () => page.locator('.cm-content').innerText();
  const overlayFile = () => path.join(sandbox.home, '.config', 'paddock', 'overlays', `${name}.Dockerfile`);
  /** Replaces the editor's text by typing it, as a user would (Enter keeps the indentation, so none is used). */
  const typeInto = async (lines: string[]) => {
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    for (const [index, line] of lines.entries()) {
      if (index > 0) await page.keyboard.press('Enter');
      await page.keyboard.insertText(line);
    }
  };

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    sandbox = tempHome();
    project = path.join(sandbox.home, 'projects', name);
    fs.cpSync(fixture, project, { recursive: true });
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    // No workspace yet; the minimal base on the offline test image and a shell agent, so everything runs offline.
    fs.writeFileSync(sandbox.config, ['[base]', `from = "${TEST_BASE_IMAGE}"`, 'variant = "minimal"', '', '[defaults]', 'agent = "shell"', ''].join('\n'));
    docker = (await connectDocker()).docker;
    serve = await startServe({ PATH: process.env.PATH, HOME: sandbox.home, PADDOCK_CONFIG: sandbox.config, NO_COLOR: '1', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    // Before any page script: every CSP violation is reported as an event, whatever triggers it.
    await context.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI + ' on ' + (event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : '?')))`);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|CSP violation|Refused to/i.test(message.text())) cspMessages.push(message.text());
    });
  }, 60_000);

  // What the page looked like and threw when a test failed: the first thing to look at.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    await screenshot(`failed-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
    if (pageErrors.length) console.error(`page errors:\n${pageErrors.join('\n')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await down(name, { docker, dataDir: path.join(sandbox.home, '.local', 'share', 'paddock'), volumes: true }).catch(() => undefined);
    for (const image of await docker.listImages({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) }).catch(() => [])) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    sandbox?.cleanup();
  }, 120_000);

  it('sets up a workspace from an empty config: Docker, folder, stack, overlay, build, agent', async ({ annotate }) => {
    const startedAt = Date.now();
    await page.goto(serve.url);
    await page.getByRole('heading', { name: 'No workspaces yet' }).waitFor();
    await page.getByRole('link', { name: 'Set up your first workspace' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up a workspace' }).waitFor();

    // 1. The engine: the doctor's checks, with at most warnings here.
    const toFolder = page.getByRole('button', { name: 'Next: the project folder' });
    await expect.poll(() => toFolder.isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.locator('.check').count()).toBeGreaterThan(2);
    await screenshot('onboarding-1-engine');
    await toFolder.click();

    // 2. The folder, picked in the browser; the name follows it.
    await page.getByRole('button', { name: 'Open projects' }).click();
    await page.getByRole('button', { name: `Choose ${name}` }).click();
    expect(await page.getByLabel('Project folder', { exact: true }).inputValue()).toBe(project);
    expect(await page.getByLabel('Workspace name', { exact: true }).inputValue()).toBe(name);
    const toDetect = page.getByRole('button', { name: 'Next: detect the stack' });
    await expect.poll(() => toDetect.isEnabled()).toBe(true);
    await screenshot('onboarding-2-folder');
    await toDetect.click();

    // 3. What the project is made of, and why.
    await page.locator('.detect-item-title', { hasText: /^Python 3/ }).waitFor();
    expect(await page.locator('.detect-results').innerText()).toContain('libpq-dev');
    await screenshot('onboarding-3-detect');
    await page.getByRole('button', { name: 'Next: the image' }).click();

    // 4. The proposal in the editor (its toolchains need the internet), replaced by a small apt overlay.
    await page.locator('.cm-content').waitFor();
    await expect.poll(editorText).toContain('python3-venv');
    await typeInto(OVERLAY);
    await page.getByText('No problems found.').waitFor();
    await screenshot('onboarding-4-overlay');
    await page.getByRole('button', { name: 'Create the workspace and build' }).click();

    // 5. The build, on the local test base.
    await page.getByRole('heading', { name: 'The image is built' }).waitFor({ timeout: 300_000 });
    expect(fs.readFileSync(overlayFile(), 'utf8')).toBe(OVERLAY.join('\n'));
    expect(fs.readFileSync(sandbox.config, 'utf8')).toContain(`[workspaces.${name}]`);
    await screenshot('onboarding-5-build');
    await page.getByRole('button', { name: 'Next: the agent' }).click();

    // 6. The agent (the shell, from [defaults]), started, and how to attach.
    expect(await page.getByRole('radio', { name: /Shell only/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: `Start ${name}` }).click();
    await page.getByText(`${name} is running`).waitFor({ timeout: 120_000 });
    expect(await page.locator('.attach-help').innerText()).toContain(`paddock attach ${name}`);
    await screenshot('onboarding-6-started');
    const running = await docker.listContainers({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) });
    expect(running.map((container) => container.Labels['dev.paddock.service']).sort()).toEqual(['agent', 'firewall']);
    expect(cspMessages).toEqual([]);
    await annotate(`onboarding to a running workspace took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  }, 600_000);

  it("shows the image's layers, linked to the Dockerfile's lines, and a layer's files", async () => {
    // In the same page, so the store still has the build's progress (what was rebuilt).
    await page.evaluate(`location.hash = '#/workspaces/${name}/layers'`);
    const runLayer = page.locator('.layer-overlay[data-line="3"]');
    await runLayer.waitFor({ timeout: 30_000 });
    expect(await runLayer.locator('.layer-instruction').innerText()).toContain('apt-get install');
    // Built by step 5 (from the engine's cache when another run on this engine built the same step).
    expect(await runLayer.locator('.layer-status').innerText()).toMatch(/^(rebuilt|from cache)$/);
    expect(await page.locator('.part-summary').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('This workspace’s overlay')]));
    await screenshot('layers');
    await page.emulateMedia({ colorScheme: 'dark' });
    // Past the colours' transitions (140 ms), so the picture is of the theme, not of the change.
    await page.waitForTimeout(400);
    await screenshot('layers-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await runLayer.locator('.layer-toggle').click();
    await runLayer.locator('.layer-file', { hasText: 'usr/bin/tree' }).waitFor({ timeout: 60_000 });
    await runLayer.getByRole('searchbox').fill('usr/bin/tree');
    await expect.poll(() => runLayer.locator('.layer-file').count()).toBe(1);
    await screenshot('layers-files');

    await runLayer.getByRole('link', { name: 'Open the Dockerfile at line 3' }).click();
    expect(new URL(page.url()).hash).toBe(`#/workspaces/${name}/dockerfile?line=3`);
    const marked = page.locator('.cm-markedLine[data-marked-line="3"]');
    await marked.waitFor();
    expect(await marked.innerText()).toContain('apt-get install -y --no-install-recommends tree');
    expect(cspMessages).toEqual([]);
  });

  it('lints as you type, applies a fix, keeps the user’s text on a conflict, refuses a fatal Dockerfile, and marks a failed step', async () => {
    await page.evaluate(`location.hash = '#/workspaces/${name}/dockerfile'`);
    await page.locator('.cm-content').waitFor();
    await page.getByText('No problems found.').waitFor();

    // CodeMirror is styled (its sheets are adopted by the shadow root, which the CSP allows).
    const style = await page.locator('.cm-editor').evaluate((element) => {
      // This runs in the page; the test's own types have no DOM.
      const computed = (globalThis as unknown as { getComputedStyle(target: unknown): { display: string; position: string } }).getComputedStyle;
      const gutters = (element as unknown as { querySelector(selector: string): unknown }).querySelector('.cm-gutters');
      return { display: computed(element).display, position: computed(element).position, gutters: computed(gutters).display };
    });
    expect(style).toEqual({ display: 'flex', position: 'relative', gutters: 'flex' });

    // A line with apt problems: found at that line, as you type.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText('RUN apt-get install curl');
    const atLine4 = page.locator('.lint-item[data-line="4"]');
    await page.locator('.lint-item[data-line="4"][data-severity="fatal"]').waitFor();
    expect(await atLine4.locator('.lint-item-rule').allInnerTexts()).toEqual(expect.arrayContaining(['practice/apt-update-separate', 'practice/apt-lists', 'practice/apt-no-recommends']));
    expect(await page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await page.getByText('Saving is off: Line 4 must be fixed first').waitFor();

    // Help on an instruction, where the pointer rests.
    await page.locator('.cm-line', { hasText: 'RUN apt-get install curl' }).getByText('RUN', { exact: true }).hover();
    await page.locator('.cm-keywordHelp').waitFor();
    expect(await page.locator('.cm-keywordHelp').innerText()).toContain('In Paddock');
    await screenshot('editor-help');
    // The finding under the pointer, with its fix; the explanation folded away (it stays folded).
    await page.getByText('How overlays work').click();
    await page.locator('.cm-lintRange-error').first().hover();
    await page.locator('.cm-tooltip-lint').waitFor();
    expect(await page.locator('.cm-tooltip-lint').innerText()).toContain('Run apt-get update first');
    await screenshot('editor');
    await page.screenshot({ path: path.join(root, 'docs', 'images', 'dockerfile-editor.png') });
    await page.mouse.move(0, 0);

    // Its quick fix, applied from the list.
    await atLine4.getByRole('button', { name: 'Run apt-get update first', exact: true }).click();
    await expect.poll(editorText).toContain('RUN apt-get update && apt-get install curl');
    await expect.poll(() => page.locator('.lint-item[data-severity="fatal"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    expect(fs.readFileSync(overlayFile(), 'utf8')).toContain('RUN apt-get update && apt-get install curl');

    // Leaving with unsaved edits asks first; keeping them keeps the editor as it was.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(' # draft');
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces', exact: true }).click();
    await expect.poll(() => questions).toEqual([`You have unsaved changes to ${name}’s Dockerfile. Leave and discard them?`]);
    expect(await page.evaluate('location.hash')).toBe(`#/workspaces/${name}/dockerfile`);
    await expect.poll(editorText).toContain('# draft');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
    await page.evaluate(`location.hash = '#/workspaces/${name}/dockerfile'`);
    await expect.poll(editorText).not.toContain('# draft');

    // Someone else changed the file meanwhile: nothing is saved over it, and the user's text stays at hand.
    const theirs = fs.readFileSync(overlayFile(), 'utf8').replace('apt-get install curl', 'apt-get install -y curl');
    fs.writeFileSync(overlayFile(), theirs);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(' # mine');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'The Dockerfile changed on disk' });
    await conflict.waitFor();
    expect(fs.readFileSync(overlayFile(), 'utf8')).toBe(theirs);
    await conflict.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(editorText).toContain('apt-get install -y curl');
    expect(await page.locator('.conflict-text').innerText()).toContain('# mine');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    const saved = fs.readFileSync(overlayFile(), 'utf8');

    // Removing the agent user: nothing can save it, not even Ctrl-S.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText('RUN userdel agent');
    await page.locator('.lint-item[data-line="5"][data-severity="fatal"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.press('Control+S');
    await page.getByRole('alert').filter({ hasText: 'Not saved' }).waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'Not saved' }).innerText()).toContain('userdel');
    expect(fs.readFileSync(overlayFile(), 'utf8')).toBe(saved);
    await screenshot('editor-refused');

    // A step that fails to build: the editor goes to its line and marks it.
    await page.keyboard.press('Control+Z');
    await expect.poll(editorText).not.toContain('userdel');
    // CodeMirror undoes the new line typed just before as part of the same edit.
    await expect.poll(editorText).not.toMatch(/\n$/);
    await page.keyboard.press('Enter');
    await page.keyboard.insertText('RUN ls /no-such-folder');
    await expect.poll(() => page.locator('.lint-item[data-severity="fatal"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Build image' }).click();
    await page.locator('.cm-markedLine-failure[data-marked-line="5"]').waitFor({ timeout: 300_000 });
    expect(await page.getByRole('alert').filter({ hasText: 'Line 5 failed to build' }).innerText()).toContain('No such file or directory');
    await screenshot('editor-build-failed');

    // The dark theme (the system's, followed by default) reaches into the editor's shadow root.
    const background = () => page.locator('.cm-editor').evaluate((element) => (globalThis as unknown as { getComputedStyle(target: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background).not.toBe(light);
    await page.waitForTimeout(400);
    await screenshot('editor-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // The saved Dockerfile has no image yet (its build failed), and the layer view says so.
    await page.evaluate(`location.hash = '#/workspaces/${name}/layers'`);
    await page.getByRole('heading', { name: 'Not built yet' }).waitFor();

    expect(cspMessages).toEqual([]);
  }, 600_000);
});
