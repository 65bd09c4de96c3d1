/**
 * docs/architecture.md draws the packages and who imports whom; this keeps the picture true: its
 * edges are exactly the `@courier/*` dependencies that the workspace's package.json files declare
 * (the same edges `npx nx graph` draws, and the module-boundary rule enforces).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, root)), 'utf8');

/** Node id in the diagram of each package shown there (tests and the e2e package are not drawn). */
const packages: Record<string, string> = {
  'apps/cli': 'cli',
  'apps/bench': 'bench',
  'libs/server': 'server',
  'libs/worker': 'worker',
  'libs/scheduler': 'scheduler',
  'libs/compat': 'compat',
  'libs/queue': 'queue',
  'libs/download': 'download',
  'libs/origin': 'origin',
  'libs/redis-scripts': 'scripts',
};

function declaredEdges(): string[] {
  const idOf = new Map(Object.entries(packages).map(([dir, id]) => [(JSON.parse(read(`${dir}/package.json`)) as { name: string }).name, id]));
  const edges: string[] = [];
  for (const [dir, id] of Object.entries(packages)) {
    const manifest = JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const target = idOf.get(dep);
      if (target !== undefined) edges.push(`${id} --> ${target}`);
    }
  }
  return edges.sort();
}

function drawnEdges(): string[] {
  const doc = read('docs/architecture.md');
  const block = doc.slice(doc.indexOf('%% packages:begin'), doc.indexOf('%% packages:end'));
  return [...block.matchAll(/^\s*(\w+)(?:\[[^\]]*\])? --> (\w+)/gm)].map((m) => `${m[1]} --> ${m[2]}`).sort();
}

describe('docs/architecture.md', () => {
  it('draws exactly the package edges the workspace declares', () => {
    expect(drawnEdges()).toEqual(declaredEdges());
  });

  it('draws every workspace package (apps and libs)', () => {
    const dirs = ['apps', 'libs'].flatMap((top) =>
      readdirSync(fileURLToPath(new URL(`${top}/`, root)))
        .map((name) => `${top}/${name}`)
        .filter((dir) => existsSync(fileURLToPath(new URL(`${dir}/package.json`, root)))),
    );
    expect(dirs.sort()).toEqual(Object.keys(packages).sort());
    const doc = read('docs/architecture.md');
    for (const dir of Object.keys(packages)) expect(doc).toContain(dir);
  });
});
