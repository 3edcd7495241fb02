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
    ],
  },
});
