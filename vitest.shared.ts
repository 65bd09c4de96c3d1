// Workspace packages export their TypeScript sources under the `@courier/source` condition,
// so tests run against src/ without a build step (the same condition `npm start` uses).
const conditions = ['@courier/source', 'import', 'module', 'node', 'default'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@courier/source'] } },
};
