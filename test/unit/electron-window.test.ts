import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { appOrigin } from '../../electron/origin.ts';
import { BACKGROUND, contentSecurityPolicy, hardenSession, hardenWebContents, isExternalLink, windowOptions, type HardenableContents, type HardenableSession } from '../../electron/window.ts';

const indexUrl = 'app://paddock/index.html';

/** A WebContents-shaped fake: records listeners and the window-open handler so the test can fire them. */
function fakeContents() {
  const listeners = new Map<string, Array<(event: never) => void>>();
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents = {
    on(event: string, listener: (event: never) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      openHandler = handler;
    },
  };
  /** Emits an event the way Electron does (one event object with preventDefault); returns whether it was prevented. */
  const fire = (name: string, url = ''): boolean => {
    const event = { url, preventDefault: vi.fn() };
    for (const listener of listeners.get(name) ?? []) listener(event as never);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { contents: contents as unknown as HardenableContents, fire, open: (url: string) => openHandler?.({ url }), listeners };
}

function hardened() {
  const fake = fakeContents();
  const openExternal = vi.fn(async (_url: string) => undefined);
  hardenWebContents(fake.contents, { isAppUrl: appOrigin({}).isAppUrl, openExternal });
  return { ...fake, openExternal };
}

describe('window options', () => {
  it('turns every renderer safeguard on and hides the window until it is ready', () => {
    const options = windowOptions({ preload: '/app/dist/electron/preload.cjs', dark: false });
    expect(options.show).toBe(false);
    expect(options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
  });

  it('has a usable size, a minimum, and a background that follows the OS theme', () => {
    const light = windowOptions({ preload: 'p', dark: false });
    const dark = windowOptions({ preload: 'p', dark: true, icon: '/icons/icon.png' });
    expect(light.backgroundColor).toBe(BACKGROUND.light);
    expect(dark.backgroundColor).toBe(BACKGROUND.dark);
    expect(dark.icon).toBe('/icons/icon.png');
    expect(light).not.toHaveProperty('icon');
    expect(light.minWidth).toBeLessThanOrEqual(light.width!);
    expect(light.minHeight).toBeLessThanOrEqual(light.height!);
    expect(light.minWidth).toBeGreaterThanOrEqual(800);
  });
});

describe('content security policy', () => {
  const directives = (csp: string) => new Map(csp.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));

  it('allows only the app’s own scripts, styles and assets, and nothing dangerous', () => {
    const csp = contentSecurityPolicy();
    const d = directives(csp);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|\*|data:|http:/);
  });

  it('lets a development page reach its Vite dev server, and only that', () => {
    const d = directives(contentSecurityPolicy({ devServerUrl: 'http://127.0.0.1:5173/' }));
    expect(d.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:5173']);
    expect(d.get('script-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(contentSecurityPolicy({ devServerUrl: 'http://127.0.0.1:5173/' })).not.toContain('unsafe-eval');
  });
});

describe('the app origin', () => {
  it('is our index.html on the app:// scheme, and nothing on the disk', () => {
    const { url, isAppUrl } = appOrigin({});
    expect(url).toBe(indexUrl);
    expect(isAppUrl(indexUrl)).toBe(true);
    expect(isAppUrl(`${indexUrl}#/instances/web`)).toBe(true);
    expect(isAppUrl('app://paddock/assets/other.html')).toBe(false);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl(pathToFileURL(path.resolve('/opt/paddock/dist/renderer/index.html')).href)).toBe(false);
    expect(isAppUrl(pathToFileURL(path.resolve('/etc/passwd')).href)).toBe(false);
    // A prefix match would accept this one.
    expect(isAppUrl(`${indexUrl}.evil.html`)).toBe(false);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('is the dev server’s origin when one is set', () => {
    const { url, isAppUrl } = appOrigin({ devServerUrl: 'http://127.0.0.1:5173' });
    expect(url).toBe('http://127.0.0.1:5173/');
    expect(isAppUrl('http://127.0.0.1:5173/#/settings')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5174/')).toBe(false);
    expect(isAppUrl('http://127.0.0.1.evil.example:5173/')).toBe(false);
    expect(isAppUrl(indexUrl)).toBe(false);
    expect(() => appOrigin({ devServerUrl: 'file:///tmp/x.html' })).toThrow(/http/);
  });
});

describe('hardening a WebContents', () => {
  it('blocks navigation away from the app, in the main frame and in subframes', () => {
    const { fire, openExternal } = hardened();
    expect(fire('will-navigate', 'http://evil.example/')).toBe(true);
    expect(fire('will-navigate', pathToFileURL(path.resolve('/etc/passwd')).href)).toBe(true);
    expect(fire('will-frame-navigate', 'http://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('lets the app navigate to its own page', () => {
    const { fire } = hardened();
    expect(fire('will-navigate', `${indexUrl}#/settings`)).toBe(false);
    expect(fire('will-frame-navigate', indexUrl)).toBe(false);
  });

  it('sends an https link to the user’s browser instead of navigating', () => {
    const { fire, openExternal } = hardened();
    expect(fire('will-navigate', 'https://docs.docker.com/')).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://docs.docker.com/');
  });

  it('denies every new window, and opens only https links externally', () => {
    const { open, openExternal } = hardened();
    expect(open('https://github.com/')).toEqual({ action: 'deny' });
    expect(open('http://example.com/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open(indexUrl)).toEqual({ action: 'deny' });
    expect(open('smb://host/share')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://github.com/']]);
  });

  it('refuses to attach a webview', () => {
    const { fire } = hardened();
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('survives openExternal failing', async () => {
    const fake = fakeContents();
    const openExternal = vi.fn(() => Promise.reject(new Error('no browser')));
    hardenWebContents(fake.contents, { isAppUrl: () => false, openExternal });
    expect(fake.open('https://example.com/')).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(openExternal).toHaveBeenCalledOnce();
  });

  it('knows which links may leave the app', () => {
    expect(isExternalLink('https://example.com/a?b#c')).toBe(true);
    expect(['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.c', 'nonsense'].map(isExternalLink)).toEqual([false, false, false, false, false]);
  });
});

describe('hardening the session', () => {
  function fakeSession() {
    const handlers: {
      request?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
      check?: (contents: unknown, permission: string) => boolean;
      headers?: (details: { responseHeaders?: Record<string, string | string[]> }, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void;
    } = {};
    const session: HardenableSession = {
      setPermissionRequestHandler: (handler) => (handlers.request = handler),
      setPermissionCheckHandler: (handler) => (handlers.check = handler),
      webRequest: { onHeadersReceived: (listener) => (handlers.headers = listener as typeof handlers.headers) },
    };
    return { session, handlers };
  }

  it('denies every permission request and check', () => {
    const { session, handlers } = fakeSession();
    hardenSession(session, "default-src 'self'");
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      const callback = vi.fn();
      handlers.request?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(handlers.check?.({}, permission)).toBe(false);
    }
  });

  it('puts our CSP on every response, replacing any other', () => {
    const { session, handlers } = fakeSession();
    const csp = contentSecurityPolicy();
    hardenSession(session, csp);
    const callback = vi.fn();
    handlers.headers?.({ responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [csp] } });
    handlers.headers?.({}, callback);
    expect(callback).toHaveBeenLastCalledWith({ responseHeaders: { 'Content-Security-Policy': [csp] } });
  });
});
