import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['libs/*', 'apps/*', 'test'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
