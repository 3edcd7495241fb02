import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, appProtocolHandler } from '../../electron/app-protocol.ts';

describe('the app:// protocol that serves the UI instead of file://', () => {
  let dir: string;
  let handle: (request: { url: string; method?: string }) => Promise<Response>;
  const csp = "default-src 'self'";

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-protocol-'));
    const renderer = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Paddock</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app-1a2b.js'), 'export {};');
    fs.writeFileSync(path.join(renderer, 'assets', 'app-1a2b.css'), 'body{}');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(renderer, 'link.txt'));
    handle = appProtocolHandler({ rendererDir: renderer, csp });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is a standard, secure scheme (origin, relative URLs, storage) that bypasses nothing', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } });
    expect(APP_INDEX_URL).toBe('app://paddock/index.html');
  });

  it('serves the built UI with our CSP and the right types', async () => {
    const page = await handle({ url: APP_INDEX_URL });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(csp);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Paddock</title>');
    const script = await handle({ url: 'app://paddock/assets/app-1a2b.js' });
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await handle({ url: 'app://paddock/assets/app-1a2b.css' })).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await handle({ url: 'app://paddock/' })).text()).toContain('<title>Paddock</title>');
  });

  it('serves nothing outside the build folder, and nothing for another host', async () => {
    for (const url of ['app://paddock/../secret.txt', 'app://paddock/%2e%2e/secret.txt', 'app://paddock/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 'app://paddock/..%5csecret.txt', 'app://paddock/link.txt', 'app://paddock/%00', 'app://paddock/missing.js', 'app://other/index.html']) {
      const answer = await handle({ url });
      expect(answer.status, url).toBe(404);
      expect(await answer.text()).not.toContain('outside');
    }
    expect((await handle({ url: APP_INDEX_URL, method: 'POST' })).status).toBe(405);
  });
});
