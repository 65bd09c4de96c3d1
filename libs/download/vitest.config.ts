import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  // Fixture origins, real disks and hundreds of MiB: a watchdog per test, never a timing bound.
  test: { name: 'download', include: ['src/**/*.{spec,test}.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
