import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  // Real Redis, fixture servers and retries with backoff: a generous watchdog, never a timing bound.
  test: { name: 'queue', include: ['src/**/*.{spec,test}.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
