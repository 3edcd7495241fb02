import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

describeWithDocker('layer file lists through the API, from a real image export', () => {
  let sandbox: ReturnType<typeof tempHome>;
  let api: Api;

  beforeAll(() => {
    sandbox = tempHome();
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, '');
    api = createApi({ configFile: sandbox.config, env: { ...process.env, HOME: sandbox.home } });
  });

  afterAll(async () => {
    await api?.close();
    sandbox?.cleanup();
  });

  it('lists the files of a layer, the same index images.layers gives it', async () => {
    const layers = await api.call('images.layers', { image: TEST_BASE_IMAGE });
    const biggest = layers.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const listed = await api.call('images.layerFiles', { image: TEST_BASE_IMAGE, index: biggest.index });
    expect(listed.total).toBeGreaterThan(100);
    expect(listed.files.map((file) => file.path)).toContain('/etc/debian_version');
    expect(listed.files.find((file) => file.path === '/etc/debian_version')).toMatchObject({ type: 'file', deleted: false });
  }, 120_000);

  it('cancels a listing that is still reading the export', async () => {
    const fresh = createApi({ configFile: sandbox.config, env: { ...process.env, HOME: sandbox.home } });
    try {
      const listing = fresh.call('images.layerFiles', { image: TEST_BASE_IMAGE, index: 0, request: 'r1' }).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await fresh.call('images.cancelLayerFiles', { request: 'r1' })).toEqual({ cancelled: true });
      expect(await listing).toMatchObject({ code: 'cancelled' });
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('says when there is no such layer or image', async () => {
    await expect(api.call('images.layerFiles', { image: TEST_BASE_IMAGE, index: 999 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(api.call('images.layerFiles', { image: 'paddock-no-such-image:1', index: 0 })).rejects.toMatchObject({ code: 'image-not-found' });
  }, 120_000);
});
