// Workspace packages export their TypeScript sources under the `@courier/source` condition,
// so tests run against src/ without a build step (the same condition `npm start` uses).
const conditions = ['@courier/source', 'import', 'module', 'node', 'default'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@courier/source'] } },
};

/**
 * Project configs do not inherit the root's `test` options, so each spreads this watchdog:
 * fixture servers, Redis and child processes on 2 shared cores — a bound per test, never a
 * timing assertion.
 */
export const watchdog = { testTimeout: 60_000, hookTimeout: 60_000 };
