// Runs the real main-process bundle (electron/main.ts, built with scripts/build-electron.mjs's
// options) against a fake `electron` module: the wiring is checked here, since the Electron binary
// is not available to the unit tests.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callNames } from '../../core/api/contract.ts';

const root = path.resolve(import.meta.dirname, '../..');

type Handler = (event: unknown, ...args: unknown[]) => Promise<{ ok: boolean; output?: unknown; error?: { code: string } }>;
interface MenuEntry {
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuEntry[];
}

/** Just enough of Electron's main-process API, recording what main.ts does with it. */
function fakeElectron(appPath: string) {
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    quit: vi.fn(() => app.emit('before-quit', { preventDefault: vi.fn() })),
    getAppPath: () => appPath,
    requestSingleInstanceLock: () => true,
    setAppUserModelId: vi.fn(),
    whenReady: () => Promise.resolve(),
  });
  const handlers = new Map<string, Handler>();
  /** What main.ts did, in order, of what must happen in order. */
  const order: string[] = [];
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  class FakeWindow extends EventEmitter {
    visible = false;
    destroyed = false;
    readonly loaded: string[] = [];
    readonly webContents = Object.assign(new EventEmitter(), {
      id: 3,
      mainFrame: { url: '', parent: null, processId: 9, routingId: 1 },
      send: vi.fn(),
      openHandler: null as null | ((details: { url: string }) => { action: string }),
      setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
        this.openHandler = handler;
      },
    });
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      order.push('window');
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    show = vi.fn(() => (this.visible = true));
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = () => false;
    isVisible = () => this.visible;
    isDestroyed = () => this.destroyed;
  }
  class FakeTray extends EventEmitter {
    menu: MenuEntry[] = [];
    image = '';
    tooltip = '';
    destroyed = false;
    constructor(image: string) {
      super();
      this.image = image;
      trays.push(this);
    }
    setImage = (image: string) => (this.image = image);
    setToolTip = (tooltip: string) => (this.tooltip = tooltip);
    setContextMenu = (menu: MenuEntry[]) => (this.menu = menu);
    destroy = () => (this.destroyed = true);
  }
  type PermissionRequest = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  type HeadersListener = (details: unknown, callback: (response: unknown) => void) => void;
  const session = {
    permissionRequest: null as null | PermissionRequest,
    headers: null as null | HeadersListener,
    setPermissionRequestHandler(handler: PermissionRequest) {
      session.permissionRequest = handler;
    },
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: (listener: HeadersListener) => (session.headers = listener) },
  };
  type ProtocolHandler = (request: { url: string; method?: string }) => Promise<Response>;
  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, ProtocolHandler>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      order.push('privileged');
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: ProtocolHandler) {
      order.push(`handle ${scheme}`);
      protocol.handlers.set(scheme, handler);
    },
  };
  const electron = {
    app,
    protocol,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    ipcMain: { handle: (channel: string, handler: Handler) => handlers.set(channel, handler) },
    Menu: { buildFromTemplate: (template: MenuEntry[]) => template },
    nativeImage: { createFromPath: (file: string) => file },
    nativeTheme: { shouldUseDarkColors: true },
    Notification: Object.assign(class {}, { isSupported: () => false }),
    session: { defaultSession: session },
    shell: { openExternal: vi.fn(), openPath: vi.fn(async () => '') },
    dialog: { showMessageBoxSync: vi.fn((_window: unknown, _options: { buttons: string[] }) => 0) },
  };
  return { electron, app, handlers, windows, trays, session, protocol, order };
}

describe('electron/main.ts, bundled, against a fake Electron', () => {
  let fake: ReturnType<typeof fakeElectron>;
  let dir: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-main-'));
    const configFile = path.join(dir, 'config.toml');
    fs.writeFileSync(configFile, '[workspaces.web]\npaths = []\n');
    // A config of our own, and an engine address where nothing answers (unit tests use no Docker).
    Object.assign(process.env, { PADDOCK_CONFIG: configFile, HOME: dir, DOCKER_HOST: `unix://${dir}/no-engine.sock` });
    delete process.env.DOCKER_CONTEXT;
    delete process.env.PADDOCK_RENDERER_URL;

    const script = (await import(pathToFileURL(path.join(root, 'scripts', 'build-electron.mjs')).href)) as { mainOptions(): BuildOptions };
    const result = await build({ ...script.mainOptions(), write: false, sourcemap: false, logLevel: 'silent' });
    const code = result.outputFiles?.[0]?.text ?? '';
    fake = fakeElectron(root);
    const filename = path.join(root, 'dist', 'electron', 'main.cjs');
    const realRequire = createRequire(filename);
    const requireWithFake = (id: string) => (id === 'electron' ? fake.electron : realRequire(id));
    const module = { exports: {} };
    new Function('require', 'module', 'exports', '__filename', '__dirname', code)(requireWithFake, module, module.exports, filename, path.dirname(filename));
    await vi.waitFor(() => expect(fake.windows).toHaveLength(1));
  }, 60_000);

  afterAll(async () => {
    if (fake) fake.app.quit();
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalledTimes(2), { timeout: 10_000 });
    process.env = savedEnv;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('handles every contract call on its own channel', () => {
    expect([...fake.handlers.keys()].sort()).toEqual(callNames.map((name) => `paddock:call:${name}`).sort());
  });

  it('opens one hidden, sandboxed window on our own index.html over app://, with the preload next to main', () => {
    const [window] = fake.windows;
    expect(window?.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, preload: path.join(root, 'dist', 'electron', 'preload.cjs') });
    expect(window?.options).toMatchObject({ show: false, backgroundColor: '#16171a' });
    expect(window?.loaded).toEqual(['app://paddock/index.html']);
    expect(window?.show).not.toHaveBeenCalled();
  });

  it('serves the UI through app://, registered as privileged before the app was ready, with the CSP on every answer', async () => {
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(fake.order.slice(0, 3)).toEqual(['privileged', 'handle app', 'window']);
    const handler = fake.protocol.handlers.get('app');
    expect(handler).toBeDefined();
    // Whatever this checkout has built (or not): the answer is the build folder's, never a file beside it.
    const index = path.join(root, 'dist', 'renderer', 'index.html');
    const page = await handler!({ url: 'app://paddock/index.html' });
    expect(page.status).toBe(fs.existsSync(index) ? 200 : 404);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await handler!({ url: 'app://paddock/../package.json' })).status).toBe(404);
  });

  it('hardens every WebContents and the session', () => {
    const [window] = fake.windows;
    expect(window?.webContents.listenerCount('will-navigate')).toBe(1);
    expect(window?.webContents.listenerCount('will-attach-webview')).toBe(1);
    expect(window?.webContents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(fake.electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/');
    const granted = vi.fn();
    fake.session.permissionRequest?.({}, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    const headers = vi.fn();
    fake.session.headers?.({ responseHeaders: {} }, headers);
    expect(headers).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': [expect.stringContaining("script-src 'self'")] } });
  });

  it('shows the window on ready-to-show, then follows the engine: the tray lists the workspaces and the engine’s state', async () => {
    const [window] = fake.windows;
    window?.emit('ready-to-show');
    expect(window?.show).toHaveBeenCalledOnce();
    const [tray] = fake.trays;
    await vi.waitFor(
      () => {
        expect(tray?.menu[0]?.label).toBe('Docker engine unavailable');
        expect(tray?.menu.some((entry) => entry.label === 'web — Stopped')).toBe(true);
      },
      { timeout: 10_000 },
    );
    expect(tray?.image).toBe(path.join(root, 'dist', 'electron', 'icons', 'tray-idle.png'));
    // The engine's state also reaches the page, on paddock:event.
    expect(window?.webContents.send).toHaveBeenCalledWith('paddock:event', expect.objectContaining({ event: 'engine.changed' }));
  });

  it('answers the page’s calls, and only the page’s', async () => {
    const [window] = fake.windows;
    const handler = fake.handlers.get('paddock:call:workspaces.list');
    const ours = await handler?.({ sender: { id: 3 }, senderFrame: window?.webContents.mainFrame }, {});
    expect(ours).toMatchObject({ ok: true, output: { workspaces: [{ name: 'web' }] } });
    const stranger = await handler?.({ sender: { id: 4 }, senderFrame: { ...window?.webContents.mainFrame } }, {});
    expect(stranger).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
  });

  it('opens the instance view from the tray’s Show Logs, and focuses the window for a second instance', () => {
    const [window] = fake.windows;
    const web = fake.trays[0]?.menu.find((entry) => entry.label === 'web — Stopped');
    web?.submenu?.find((entry) => entry.label === 'Show Logs')?.click?.();
    expect(window?.loaded.at(-1)).toMatch(/index\.html#\/instances\/web$/);
    fake.app.emit('second-instance');
    expect(window?.focus).toHaveBeenCalled();
    expect(fake.windows).toHaveLength(1);
  });

  it('asks before a page with unsaved edits goes, and lets it go only on Discard', () => {
    const [window] = fake.windows;
    const ask = fake.electron.dialog.showMessageBoxSync;
    const keep = { preventDefault: vi.fn() };
    window?.webContents.emit('will-prevent-unload', keep);
    expect(ask).toHaveBeenCalledWith(window, expect.objectContaining({ buttons: ['Keep editing', 'Discard changes'], cancelId: 0 }));
    expect(keep.preventDefault).not.toHaveBeenCalled();
    ask.mockReturnValueOnce(1);
    const discard = { preventDefault: vi.fn() };
    window?.webContents.emit('will-prevent-unload', discard);
    expect(discard.preventDefault).toHaveBeenCalled();
  });

  it('keeps running in the tray when the window closes, and reopens it on activate', () => {
    const [window] = fake.windows;
    window!.destroyed = true;
    window?.emit('closed');
    fake.app.emit('window-all-closed');
    expect(fake.app.quit).not.toHaveBeenCalled();
    fake.app.emit('activate');
    expect(fake.windows).toHaveLength(2);
  });

  it('closes the registry before quitting', async () => {
    const event = { preventDefault: vi.fn() };
    fake.app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(fake.trays[0]?.destroyed).toBe(true);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalledOnce(), { timeout: 10_000 });
    const again = { preventDefault: vi.fn() };
    fake.app.emit('before-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});
