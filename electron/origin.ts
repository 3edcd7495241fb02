import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-protocol.ts';

/** Where the window's UI comes from, and the test every navigation and IPC sender must pass. */
export interface AppOrigin {
  /** The URL the window loads. */
  readonly url: string;
  /** Whether `url` is a page of ours (any hash or query), parsed, never compared as a prefix. */
  isAppUrl(url: string): boolean;
}

/**
 * The built renderer's index.html on the app:// scheme (see app-protocol.ts), or a dev server
 * (`vite`) when one is given. Only that one page is ours: the build's other files are not pages.
 */
export function appOrigin({ devServerUrl }: { devServerUrl?: string | undefined }): AppOrigin {
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    if (dev.protocol !== 'http:' && dev.protocol !== 'https:') throw new Error(`the renderer dev server must be an http(s) URL, not ${devServerUrl}`);
    return { url: dev.href, isAppUrl: (url) => parse(url)?.origin === dev.origin };
  }
  const index = new URL(APP_INDEX_URL);
  return {
    url: index.href,
    isAppUrl(url) {
      const parsed = parse(url);
      return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.pathname === index.pathname;
    },
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
