import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { PAGE_META_POLICY } from '../core/api/csp.ts';

/**
 * The built index.html carries its CSP itself, first in its head (before any script or style), so
 * the page has a policy whatever serves it. Not in the dev server: its React preamble is inline.
 */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'paddock-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: PAGE_META_POLICY }, injectTo: 'head-prepend' }],
  };
}

// No node: imports here: test/unit/architecture.test.ts keeps all of renderer/ free of them.
export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build loads from `paddock serve` and from app:// in Electron.
  base: './',
  plugins: [react(), contentSecurityPolicyMeta()],
  build: {
    // Relative to root (renderer/).
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // The CSP (default-src 'self', img-src 'self') allows no data: URLs, so every asset stays a file.
    assetsInlineLimit: 0,
    // Both places the app runs (Electron, a local Chromium-based or modern browser) support modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: { host: '127.0.0.1' },
});
