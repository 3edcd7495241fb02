import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { tempHome } from '../support/cli.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

/** The engine's image listing gives creation times in whole seconds. */
const toSeconds = (time: string) => new Date(Math.floor(Date.parse(time) / 1000) * 1000).toISOString();

describeWithDocker("the workspace list's image summaries, from the real engine in one call", () => {
  let sandbox: ReturnType<typeof tempHome>;
  let api: Api;

  beforeAll(() => {
    sandbox = tempHome();
    const project = path.join(sandbox.home, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(
      sandbox.config,
      [
        '[workspaces.built]',
        `paths = ["${project}"]`,
        `image = "${TEST_BASE_IMAGE}"`,
        '',
        '[workspaces.unbuilt]',
        `paths = ["${project}"]`,
        'image = "paddock-no-such-image:1"',
        '',
        '[workspaces.broken]',
        `paths = ["${project}"]`,
        `dockerfile = "${path.join(project, 'missing.Dockerfile')}"`,
        '',
      ].join('\n'),
    );
    api = createApi({ configFile: sandbox.config, env: { ...process.env, HOME: sandbox.home } });
  });

  afterAll(async () => {
    await api?.close();
    sandbox?.cleanup();
  });

  it('says which images are built (with the size and date the engine has), which are not, and why one cannot be known', async () => {
    const { images } = await api.call('images.summaries', {});
    expect(Object.keys(images).sort()).toEqual(['broken', 'built', 'unbuilt']);
    const inspected = await (await connectDocker()).docker.getImage(TEST_BASE_IMAGE).inspect();
    expect(images.built).toEqual({ status: 'present', image: TEST_BASE_IMAGE, size: inspected.Size, createdAt: toSeconds(inspected.Created) });
    expect(images.unbuilt).toEqual({ status: 'missing', image: 'paddock-no-such-image:1' });
    expect(images.broken).toMatchObject({ status: 'error', error: { code: 'dockerfile-unavailable' } });
  }, 120_000);

  it('answers for the workspaces asked about, and names one that is not in the config', async () => {
    const { images } = await api.call('images.summaries', { workspaces: ['unbuilt', 'gone'] });
    expect(images).toEqual({
      unbuilt: { status: 'missing', image: 'paddock-no-such-image:1' },
      gone: { status: 'error', error: expect.objectContaining({ code: 'workspace-not-found' }) },
    });
  }, 120_000);
});
