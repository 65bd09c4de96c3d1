// The READMEs' TypeScript examples run as written: each block saved as a file in the checkout
// and run with plain `npx tsx FILE` from the repository root (no build, no --conditions), its
// made-up hosts pointed at a loopback fixture origin. A block that is a fragment on purpose says
// so with `<!-- not-run: reason -->` before it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { onFixture, readmeBlocks, readmeFiles } from './support/readme-blocks.ts';
import { cleanEnv, repoRoot, runToEnd } from './support/repo.ts';

const blocks = readmeFiles(repoRoot).flatMap((file) => readmeBlocks(repoRoot, file));
const runnable = blocks.filter((b) => b.notRun === null);

let origin: HttpFixture;
let dir: string;

beforeAll(async () => {
  origin = await startHttpFixture();
  // Every path answers JSON, as the examples' APIs do (`await res.json()`).
  origin.route('/', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, items: [] }));
  });
  // In the repository root, as a reader's example.ts next to the README is.
  dir = await mkdtemp(join(repoRoot, '.newcomer-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await origin?.close();
});

describe('the READMEs’ TypeScript examples', () => {
  it('are found, and most of them run (not-run markers stay the exception)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((b) => b.name.startsWith('README.md#')).every((b) => b.notRun === null)).toBe(true);
    expect(runnable.length).toBeGreaterThan(blocks.length / 2);
  });

  it('the made-up hosts are rewritten to the fixture, loopback and real hosts are not', () => {
    const o = 'http://127.0.0.1:1234';
    expect(onFixture("x('https://example.com/api'); y('https://a.example/'); z(`https://api.example.com/v1`)", o)).toBe(`x('${o}/api'); y('${o}/'); z(\`${o}/v1\`)`);
    expect(onFixture("'http://intranet.local:8080', 'http://httpbin.org/ip', 'https://cdn.example.net'", o)).toBe(`'${o}', '${o}/ip', '${o}'`);
    expect(onFixture("'https://nodejs.org/'", o)).toBe("'https://nodejs.org/'");
  });

  // One child Node (tsx compiling the block) each: a generous watchdog, never a timing claim.
  it.each(runnable.map((b) => [b.name, b] as const))('%s runs with plain `npx tsx`', { timeout: 180_000 }, async (name, block) => {
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.ts`);
    await writeFile(file, onFixture(block.code, origin.url));
    const result = await runToEnd('npx', ['--no-install', 'tsx', file], { env: cleanEnv({ NO_COLOR: '1', COURIER_ALLOW_DESTINATIONS: 'loopback' }), timeoutMs: 150_000 });
    expect(result.code, `${name}:\n${result.stderr}`).toBe(0);
  });
});
