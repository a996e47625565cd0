import { defineConfig } from 'vitest/config';

// Two tiers (CONTRIBUTING.md#tests): unit tests open no socket (test/no-sockets.ts); integration tests share one
// private influxd started by the global setup (each test file uses its own database) and open their own
// brokers on port 0.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**', '**/*.integration.test.ts'],
          // No sockets in this tier: a file that opens one fails, naming the tier it belongs to.
          setupFiles: ['test/no-sockets.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.integration.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          globalSetup: ['test/influxd-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration files start processes and servers; two at a time suit a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
