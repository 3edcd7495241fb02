/**
 * The app's Content-Security-Policy, in one place for the three that state it: the header of
 * `paddock serve`, the header of the Electron window, and the <meta> the built index.html carries
 * (so the page keeps a policy wherever it is loaded from, header or not). Where a header and the
 * meta both apply, the page gets what both allow. Pure, without imports: the renderer's Vite
 * config uses it too.
 */
export interface PolicyOptions {
  /** Where the page may connect besides its own origin (the serve socket, a dev server). */
  connect?: string[];
  /** For Vite's dev server only: its React preamble is an inline script. */
  inlineScript?: boolean;
  /** For a <meta>: frame-ancestors is left out, since browsers ignore it there and warn. */
  meta?: boolean;
}

/** Everything from the app's own files; no inline script or style, no eval, no plugins, frames or forms. */
export function contentSecurityPolicy({ connect = [], inlineScript = false, meta = false }: PolicyOptions = {}): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', inlineScript ? ["'self'", "'unsafe-inline'"] : ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'"]],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...connect]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ...(meta ? [] : ([['frame-ancestors', ["'none'"]]] as Array<[string, string[]]>)),
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/**
 * The policy in the built index.html. Its sockets are those `paddock serve` may be at, on any
 * port (the page does not know its server's port when it is built); each host's header narrows
 * them: serve's to its own port, Electron's to none.
 */
export const PAGE_META_POLICY = contentSecurityPolicy({ connect: ['ws://127.0.0.1:*', 'ws://localhost:*'], meta: true });
