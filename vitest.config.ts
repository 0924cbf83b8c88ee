import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'cli/**/*.test.{ts,tsx}', 'web/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the end-to-end files start servers and binaries, so keep the parallelism modest.
    maxWorkers: 2,
    // Kills what a test file started and left running (servers, redis-server, chat).
    setupFiles: ['./test/support/teardown.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
