import fs from 'node:fs/promises';
import path from 'node:path';
import type { CustomScheme } from 'electron';
import { STATIC_CONTENT_TYPES, staticPath } from '../core/api/static-path.ts';

/**
 * The window loads the UI from app://paddock/, not file://. A file:// page shares its origin with
 * every file on the disk, and with the grantFileProtocolExtraPrivileges fuse on (Electron's
 * default) it may also fetch them; the fuse is off (electron-builder.yml), and app:// serves the
 * build folder and nothing else.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'paddock';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * For protocol.registerSchemesAsPrivileged, before the app is ready. Standard: an origin of its own
 * and relative URLs; secure: a secure context (storage, module scripts); fetch for the page's own
 * files; the code cache for start-up. It bypasses no CSP and allows no service worker.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } };


/**
 * The handler for protocol.handle: files of the build folder, each with our CSP (the window's
 * session sets it on responses too; this does not depend on that reaching a custom scheme). Paths
 * are decoded and resolved inside the folder, and symlinks may not lead out of it.
 */
export function appProtocolHandler({ rendererDir, csp }: { rendererDir: string; csp: string }): (request: { url: string; method?: string }) => Promise<Response> {
  const root = path.resolve(rendererDir);
  const answer = (status: number, body: string | Uint8Array, type: string) =>
    new Response(body, { status, headers: { 'Content-Type': type, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' } });
  const notFound = () => answer(404, 'Not found.\n', 'text/plain; charset=utf-8');
  return async (request) => {
    if (request.method && request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'Only GET and HEAD.\n', 'text/plain; charset=utf-8');
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return notFound();
    const file = fileFor(root, url.pathname);
    if (!file) return notFound();
    try {
      const real = await fs.realpath(file);
      const relative = path.relative(await fs.realpath(root), real);
      if (relative.startsWith('..') || path.isAbsolute(relative)) return notFound();
      const body = await fs.readFile(real);
      return answer(200, body, STATIC_CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream');
    } catch {
      return notFound();
    }
  };
}

/** Where a request path lies in the build folder (index.html for the folder itself), or null when it would leave it. */
function fileFor(root: string, pathname: string): string | null {
  const resolved = staticPath(root, pathname);
  return resolved === root ? path.join(root, 'index.html') : resolved;
}
