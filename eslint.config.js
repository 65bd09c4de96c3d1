// Flat config: typescript-eslint's recommended rules plus Nx's module boundaries, which encode
// DESIGN.md's one-way dependency rule (apps → libs → origin, never back). Each library has its
// own scope tag (package.json "nx"), and each scope may depend on exactly the edges DESIGN
// allows. The rule needs Nx's project graph: `npm run lint` computes it before eslint runs
// (without it the rule skips itself).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import globals from 'globals';

// DESIGN's edges between packages, one scope tag per library.
const depConstraints = [
  { sourceTag: 'scope:origin', notDependOnLibsWithTags: ['*'] },
  // The one Redis script loader: a leaf beside origin, for the libraries that run Lua on Redis.
  { sourceTag: 'scope:redis-scripts', notDependOnLibsWithTags: ['*'] },
  { sourceTag: 'scope:queue', onlyDependOnLibsWithTags: ['scope:origin', 'scope:redis-scripts'] },
  { sourceTag: 'scope:download', onlyDependOnLibsWithTags: ['scope:origin', 'scope:redis-scripts'] },
  { sourceTag: 'scope:scheduler', onlyDependOnLibsWithTags: ['scope:origin', 'scope:queue'] },
  { sourceTag: 'scope:compat', onlyDependOnLibsWithTags: ['scope:origin', 'scope:download'] },
  // The service libraries sit above the core libs: the HTTP API enqueues and reads jobs;
  // the worker runs them and registers the download job handler.
  { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:origin', 'scope:queue', 'scope:redis-scripts'] },
  { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:origin', 'scope:queue', 'scope:download'] },
  // Apps are launchers over libraries; no app imports another app.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib'] },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', 'docs/**', 'test/**/*.js', 'test/**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ['libs/server/src/dashboard/public/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints }],
    },
  },
  {
    // Build/test configuration and specs may reach shared test fixtures by path; the boundary
    // rule guards the shipped sources.
    files: ['**/vitest.config.ts', '*.config.ts', '**/*.spec.ts', '**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // A library's test support (src/testing/, excluded from every build) keeps the same edges and
    // may also import the shared fixtures and Redis harness through their index files, by path.
    files: ['*/*/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: ['^(\\.\\./)+test/(fixtures|harness)/index\\.ts$'], depConstraints }],
    },
  },
  {
    // Apps and tests talk to people: the CLI, the bench and scripts print.
    files: ['apps/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
