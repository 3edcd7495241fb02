import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          benchmark: { include: ['bench/**/*.bench.ts'] },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/docker-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // One engine, shared: files run one after another so builds and containers do not starve each other.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The engine check first, then the CLI bundle and the renderer, rebuilt when stale.
          globalSetup: ['test/support/docker-setup.ts', 'test/e2e/build-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // One browser and one engine: the app's tests run one file after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
