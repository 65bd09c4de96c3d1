import { defineProject } from 'vitest/config';
import { sourceConditions, watchdog } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'origin', include: ['src/**/*.{spec,test}.ts'], ...watchdog },
});
