import { pathToFileURL } from 'node:url';

/** Where the window's UI comes from, and the test every navigation and IPC sender must pass. */
export interface AppOrigin {
  /** The URL the window loads. */
  readonly url: string;
  /** Whether `url` is a page of ours (any hash or query), parsed, never compared as a prefix. */
  isAppUrl(url: string): boolean;
}

/**
 * The built renderer's index.html as a file:// URL, or a dev server (`vite`) when one is given.
 * A file URL matches only that one file: every other file on the disk shares the file:// origin.
 */
export function appOrigin({ rendererIndex, devServerUrl }: { rendererIndex: string; devServerUrl?: string | undefined }): AppOrigin {
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    if (dev.protocol !== 'http:' && dev.protocol !== 'https:') throw new Error(`the renderer dev server must be an http(s) URL, not ${devServerUrl}`);
    return { url: dev.href, isAppUrl: (url) => parse(url)?.origin === dev.origin };
  }
  const index = pathToFileURL(rendererIndex);
  return {
    url: index.href,
    isAppUrl(url) {
      const parsed = parse(url);
      return parsed !== null && parsed.protocol === 'file:' && parsed.host === '' && parsed.pathname === index.pathname;
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
