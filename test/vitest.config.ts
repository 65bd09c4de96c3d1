import { defineProject } from 'vitest/config';
import { sourceConditions, watchdog } from '../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'e2e', include: ['**/*.{spec,test}.ts'], ...watchdog },
});
