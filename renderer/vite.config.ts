import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// No node: imports here: test/unit/architecture.test.ts keeps all of renderer/ free of them.
export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build loads from `paddock serve` and from file:// in Electron.
  base: './',
  plugins: [react()],
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
