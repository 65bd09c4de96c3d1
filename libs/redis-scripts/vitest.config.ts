import { defineProject } from 'vitest/config';
import { sourceConditions, watchdog } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'redis-scripts', include: ['src/**/*.{spec,test}.ts'], ...watchdog },
});
