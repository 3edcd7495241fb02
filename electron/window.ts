import { contentSecurityPolicy as appPolicy } from '../core/api/csp.ts';
import type { BrowserWindowConstructorOptions, HandlerDetails, MessageBoxSyncOptions, HeadersReceivedResponse, OnHeadersReceivedListenerDetails, WindowOpenHandlerResponse } from 'electron';

/** The window's background before the first paint, so opening it does not flash the wrong colour. */
export const BACKGROUND = { light: '#ffffff', dark: '#16171a' } as const;

/**
 * The one window's options. Every webPreference that matters to security is spelled out, even where
 * it is Electron's default, so a reader (and the test) sees the whole policy in one place.
 */
export function windowOptions({ preload, dark, icon }: { preload: string; dark: boolean; icon?: string }): BrowserWindowConstructorOptions {
  return {
    title: 'Paddock',
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    // Shown on ready-to-show, once there is something to see.
    show: false,
    backgroundColor: dark ? BACKGROUND.dark : BACKGROUND.light,
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
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
    },
  };
}

/**
 * What the window asks when the page refuses to unload because it holds unsaved edits (see
 * renderer/lib/unsaved.ts): Electron gives no dialog of its own, it just keeps the page. Staying
 * is the default and what Escape does.
 */
export function leaveDialogOptions(): MessageBoxSyncOptions {
  return {
    type: 'question',
    buttons: ['Keep editing', 'Discard changes'],
    defaultId: 0,
    cancelId: 0,
    title: 'Unsaved changes',
    message: 'You have unsaved changes.',
    detail: 'Leaving this page discards them. Keep editing to save them first.',
  };
}
export const DISCARD_CHANGES = 1;

/**
 * The renderer's Content-Security-Policy (core/api/csp.ts: the same rules `paddock serve` sends and
 * the page's own <meta> carries). The renderer talks to the engine over IPC, so it connects
 * nowhere, except, in development, to Vite's dev server for hot reload, whose React preamble is an
 * inline script.
 */
export function contentSecurityPolicy({ devServerUrl }: { devServerUrl?: string | undefined } = {}): string {
  if (!devServerUrl) return appPolicy();
  const dev = new URL(devServerUrl);
  return appPolicy({ connect: [`${dev.protocol === 'https:' ? 'wss' : 'ws'}://${dev.host}`], inlineScript: true });
}

/** The `event` Electron passes to will-navigate and friends: all the hardening needs of it. */
export interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of a WebContents the hardening touches. */
export interface HardenableContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent & { url: string }) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: PreventableEvent & { url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: Pick<HandlerDetails, 'url'>) => WindowOpenHandlerResponse): void;
}

/** The parts of a Session the hardening touches. */
export interface HardenableSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  webRequest: {
    onHeadersReceived(listener: (details: Pick<OnHeadersReceivedListenerDetails, 'responseHeaders'>, callback: (response: HeadersReceivedResponse) => void) => void): void;
  };
}

/** Only https links leave the app, and only for the user's browser. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Locks a WebContents to the app: it cannot navigate away from our page, open windows, or host
 * webviews. A link to an https page opens in the user's browser instead.
 */
export function hardenWebContents(contents: HardenableContents, { isAppUrl, openExternal }: { isAppUrl: (url: string) => boolean; openExternal: (url: string) => unknown }): void {
  const leaveApp = (url: string): void => {
    if (isExternalLink(url)) void Promise.resolve(openExternal(url)).catch(() => undefined);
  };
  const guardNavigation = (event: PreventableEvent & { url: string }): void => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    leaveApp(event.url);
  };
  // will-navigate is the main frame's; will-frame-navigate also covers any subframe.
  contents.on('will-navigate', guardNavigation);
  contents.on('will-frame-navigate', guardNavigation);
  contents.setWindowOpenHandler(({ url }) => {
    leaveApp(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The session grants no permission (camera, notifications, clipboard, …) and sends our CSP. */
export function hardenSession(session: HardenableSession, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived(({ responseHeaders }, callback) => {
    const headers = Object.fromEntries(Object.entries(responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}
