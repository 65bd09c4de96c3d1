// Flat config: typescript-eslint's recommended rules plus Nx's module boundaries, which encode
// DESIGN.md's one-way dependency rule (apps → libs → origin, never back).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', 'docs/**', 'test/**/*.js', 'test/**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ['apps/server/src/dashboard/public/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:test'] },
          ],
        },
      ],
    },
  },
  {
    // Build/test configuration and tests may reach shared test fixtures by path; the boundary
    // rule guards the shipped sources.
    files: ['**/vitest.config.ts', '*.config.ts', '**/*.spec.ts', '**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Apps and tests talk to people: the CLI, the bench and scripts print.
    files: ['apps/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
