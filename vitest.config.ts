import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['libs/*', 'apps/*', 'test'],
    // Fixture servers, Redis and child processes make some tests slow on 2 cores;
    // a watchdog per test, never a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
