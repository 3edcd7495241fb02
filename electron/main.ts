// The Electron main process: wires real Electron objects to the modules next to this file, which
// hold every decision (and are unit-tested without the Electron binary). Bundled to
// dist/electron/main.cjs by scripts/build-electron.mjs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, nativeTheme, Notification, protocol, session, shell, Tray, type NativeImage } from 'electron';
import { calls, type ApiEvent, type CallName, type CallOutput } from '../core/api/contract.ts';
import { createApi } from '../core/api/handlers.ts';
// The one core import outside core/api: where the config lives is decided before the registry exists.
import { configFilePath } from '../core/config/paths.ts';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler } from './app-protocol.ts';
import { registerIpc, sendEvent } from './ipc.ts';
import { NotificationPolicy, type Notice } from './notifications.ts';
import { appOrigin } from './origin.ts';
import { applyEvent, initialShellState, trayWorkspaces, withEngine, withOperations, withWorkspaces, type ShellState } from './shell-state.ts';
import { isOnPath, paddockCli, terminalCommand } from './terminal.ts';
import { coalesce, menuTemplate, trayIconState, trayMenuModel, trayTooltip, type TrayAction, type TrayIconState } from './tray.ts';
import { contentSecurityPolicy, DISCARD_CHANGES, hardenSession, hardenWebContents, leaveDialogOptions, windowOptions } from './window.ts';

/** Log subscriptions the window opens belong to this client; they end when its page goes away. */
const WINDOW_CLIENT = 'electron-window';
const TRAY_CALLS = { start: 'workspaces.up', stop: 'workspaces.down', restart: 'workspaces.restart' } as const;

const root = app.getAppPath();
const assets = path.join(root, 'dist', 'electron');
// A dev server is for working on the renderer; a packaged app only ever loads its own files.
const devServerUrl = app.isPackaged ? undefined : process.env.PADDOCK_RENDERER_URL || undefined;
const origin = appOrigin({ devServerUrl });
const csp = contentSecurityPolicy({ devServerUrl });
// Only before the app is ready may a scheme be made standard and secure.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
const configFile = configFilePath(undefined, process.env);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run();
}

function run(): void {
  const api = createApi({ configFile, env: process.env, onError: (error) => console.error('paddock:', error) });
  const notifications = new NotificationPolicy();
  let state = initialShellState;
  let window: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let live = false;
  let closing = false;
  let closed = false;

  if (process.platform === 'win32') app.setAppUserModelId('dev.paddock.app');

  const call = (name: string, input: unknown): Promise<unknown> => {
    notifications.noteCall(name, input, Date.now());
    return api.call(name, input, { client: WINDOW_CLIENT });
  };

  // Every WebContents the app ever creates gets the same locks, before it loads anything.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { isAppUrl: origin.isAppUrl, openExternal: (url) => shell.openExternal(url) }));
  registerIpc(ipcMain, { calls, call, window: () => window, isAppUrl: origin.isAppUrl });

  function showWindow(route?: string): void {
    if (!window) window = createWindow(route);
    else if (route !== undefined) void window.loadURL(withHash(origin.url, route));
    if (window.isMinimized()) window.restore();
    if (window.isVisible()) window.focus();
  }

  function createWindow(route?: string): BrowserWindow {
    const created = new BrowserWindow(
      windowOptions({ preload: path.join(assets, 'preload.cjs'), dark: nativeTheme.shouldUseDarkColors, icon: path.join(assets, 'icons', 'icon.png') }),
    );
    created.once('ready-to-show', () => {
      created.show();
      startLive();
    });
    // The page holds unsaved edits and refused to unload (a reload, Quit, closing the window): ask.
    created.webContents.on('will-prevent-unload', (event) => {
      if (dialog.showMessageBoxSync(created, leaveDialogOptions()) === DISCARD_CHANGES) event.preventDefault();
    });
    // A reload or a new page: the old page's log subscriptions have no reader any more.
    created.webContents.on('did-navigate', () => api.release(WINDOW_CLIENT));
    created.on('closed', () => {
      api.release(WINDOW_CLIENT);
      window = null;
    });
    void created.loadURL(route === undefined ? origin.url : withHash(origin.url, route));
    return created;
  }

  const rebuildTray = coalesce(() => {
    if (!tray) return;
    const rows = trayWorkspaces(state);
    tray.setImage(trayIcon(trayIconState(rows)));
    tray.setToolTip(trayTooltip(rows, state.engine));
    tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(trayMenuModel(rows, state.engine), onTrayAction)));
  });

  function createTray(): void {
    tray = new Tray(trayIcon('idle'));
    tray.setToolTip('Paddock');
    // Windows opens the window on a click (the menu is on right-click); elsewhere a click shows the menu.
    if (process.platform === 'win32') tray.on('click', () => showWindow());
    tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(trayMenuModel([], state.engine), onTrayAction)));
  }

  function onTrayAction(action: TrayAction): void {
    switch (action.type) {
      case 'start':
      case 'stop':
      case 'restart':
        return act(action.type, action.workspace);
      case 'terminal':
        return openTerminal(action.workspace, action.command);
      case 'logs':
        return showWindow(`/instances/${encodeURIComponent(action.workspace)}`);
      case 'folder': {
        const folder = trayWorkspaces(state).find((ws) => ws.name === action.workspace)?.folder;
        if (folder) void shell.openPath(folder).then((problem) => problem && notify({ title: `Could not open ${folder}`, body: problem, workspace: action.workspace }));
        return;
      }
      case 'open':
        return showWindow();
      case 'quit':
        return app.quit();
    }
  }

  /** Starts, stops or restarts from the tray: progress and the outcome arrive as events, a refusal at once. */
  function act(verb: keyof typeof TRAY_CALLS, workspace: string): void {
    call(TRAY_CALLS[verb], { workspace }).catch((error: Error) => notify({ title: `Could not ${verb} ${workspace}`, body: error.message, workspace }));
  }

  function openTerminal(workspace: string, command: 'attach' | 'shell'): void {
    // The terminal may not inherit our environment (gnome-terminal, Terminal.app): name the config.
    const argv = [...paddockCli({ packaged: app.isPackaged, appPath: root, env: process.env }), command, workspace, '--config', configFile];
    const launch = terminalCommand(process.platform, argv, (program) => isOnPath(program));
    if (!launch) {
      notify({ title: 'No terminal found', body: `Run \`paddock ${command} ${workspace}\` in a terminal.`, workspace });
      return;
    }
    const child = spawn(launch.command, launch.args, { detached: true, stdio: 'ignore' });
    child.on('error', (error) => notify({ title: `Could not open ${launch.command}`, body: error.message, workspace }));
    child.unref();
  }

  function notify(notice: Notice): void {
    if (!Notification.isSupported()) return;
    const shown = new Notification({ title: notice.title, body: notice.body, icon: path.join(assets, 'icons', 'icon.png') });
    shown.on('click', () => showWindow(`/instances/${encodeURIComponent(notice.workspace)}`));
    shown.show();
  }

  function onEvent(event: ApiEvent): void {
    state = applyEvent(state, event);
    if (event.event === 'config.changed') refreshWorkspaces();
    const notice = notifications.decide(event, Date.now());
    if (notice) notify(notice);
    rebuildTray.schedule();
  }

  /** Reads a snapshot into the tray's state. A failure (an invalid config) leaves it as it was: the window says why. */
  function refresh<N extends CallName>(name: N, update: (output: CallOutput<N>) => ShellState): void {
    api.call(name, {}).then(
      (output) => {
        state = update(output);
        rebuildTray.schedule();
      },
      () => undefined,
    );
  }

  function refreshWorkspaces(): void {
    refresh('workspaces.list', ({ workspaces }) => withWorkspaces(state, workspaces));
  }

  /**
   * Once the window shows, the tray and the window start following the engine. Subscribing is what
   * makes the registry connect (so a missing engine never delays the first paint), and on every
   * connection it reports each instance as instances.changed: no instance snapshot is needed.
   */
  function startLive(): void {
    if (live) return;
    live = true;
    api.subscribe((event) => sendEvent(window, event.event, event.payload), { client: WINDOW_CLIENT });
    api.subscribe(onEvent);
    refreshWorkspaces();
    refresh('operations.list', (operations) => withOperations(state, operations));
    // app.info answers without touching the engine: its state as of now, which engine.changed then updates.
    refresh('app.info', ({ engine }) => withEngine(state, engine));
  }

  app.on('second-instance', () => showWindow());
  // macOS: clicking the Dock icon with no window open brings it back.
  app.on('activate', () => showWindow());
  // The tray keeps Paddock running with no window; Quit is in its menu.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    rebuildTray.cancel();
    tray?.destroy();
    tray = null;
    void api.close().finally(() => {
      closed = true;
      app.quit();
    });
  });

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession, csp);
    protocol.handle(APP_SCHEME, appProtocolHandler({ rendererDir: path.join(root, 'dist', 'renderer'), csp }));
    createTray();
    showWindow();
  });
}

function trayIcon(state: TrayIconState): NativeImage {
  return nativeImage.createFromPath(path.join(assets, 'icons', `tray-${state}.png`));
}

function withHash(url: string, route: string): string {
  const target = new URL(url);
  target.hash = route;
  return target.href;
}
