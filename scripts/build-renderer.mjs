// Builds the UI into dist/renderer, always for production. Vite follows NODE_ENV, and whoever runs
// the build may have set it (vitest sets "test"): that gave React's development build, several
// times slower to start and larger, to the very UI the end-to-end tests and benchmarks measure.
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

process.env.NODE_ENV = 'production';
const root = fileURLToPath(new URL('..', import.meta.url));
await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
