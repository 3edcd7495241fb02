/**
 * How a page of `paddock serve` holds its token. Not in a cookie: a browser sends a cookie of
 * 127.0.0.1 to every port of 127.0.0.1, the ports a workspace publishes included, and there the
 * agent reads it. The page takes the token from its address, keeps it in sessionStorage (which is
 * bound to the page's origin, port included, and to its tab) and sends it with the socket's
 * handshake. Pure, without imports: the server and the renderer both use it.
 */

/** The sessionStorage key that holds the token in a page of `paddock serve`. */
export const PAGE_TOKEN_KEY = 'paddock-token';

/** Where the server serves restoreTokenScript; outside the renderer's build, so no file there can take its place. */
export const RESTORE_SCRIPT_PATH = '/.paddock/restore-token.js';

/** The part of sessionStorage used here; getItem and setItem may throw where storage is refused. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The token for this page's socket: from the address when it carries one (then kept in the tab's
 * storage and taken out of the address bar, history and screen shares), else from the storage.
 */
export function takePageToken(location: { href: string }, history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void }, storage: TokenStorage | null): string | null {
  const url = new URL(location.href);
  const fromAddress = url.searchParams.get('token');
  if (fromAddress) {
    try {
      storage?.setItem(PAGE_TOKEN_KEY, fromAddress);
    } catch {
      // Storage refused: the token lives in this page only, and a reload needs the printed address again.
    }
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.href);
    return fromAddress;
  }
  try {
    return storage?.getItem(PAGE_TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

/**
 * The script of the page the server sends instead of the app when the address has no token (a
 * reload, or a link to a view): it loads the app again with the token this tab holds, keeping the
 * view in the hash. When the address had a token and was refused, the token the tab holds is stale
 * (the server restarted): it is forgotten, and the page says to open the new address.
 */
export function restoreTokenScript(): string {
  const key = JSON.stringify(PAGE_TOKEN_KEY);
  return `(() => {
  const url = new URL(location.href);
  try {
    if (url.searchParams.has('token')) return sessionStorage.removeItem(${key});
    const token = sessionStorage.getItem(${key});
    if (!token) return;
    url.searchParams.set('token', token);
    location.replace(url.href);
  } catch {}
})();
`;
}
