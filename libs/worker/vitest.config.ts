import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'worker', include: ['src/**/*.{spec,test}.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
