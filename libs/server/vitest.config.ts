import { defineProject } from 'vitest/config';
import { sourceConditions, watchdog } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'server', include: ['src/**/*.{spec,test}.ts'], ...watchdog },
});
