import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on a 2-core machine (Vitest's default there is one): most of a file's time is
    // waiting on child processes, PostgreSQL, Chromium and timers, and each file has its own database.
    maxWorkers: 2,
  },
});
