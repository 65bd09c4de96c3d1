// What a newcomer types first, through npm as the README says: `npm install` (its plan: no
// warning to decide about), then `npm run courier -- …` (version, a bad command line, and
// `fetch -o` relative to the directory it was typed in).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture } from '../fixtures/index.ts';
import { cleanEnv, repoRoot, runToEnd } from './support/repo.ts';

// npm plus a Node compiling TypeScript with tsx per command: generous watchdogs, no timing claims.
describe('npm, as the README uses it', { timeout: 180_000 }, () => {
  it('`npm install` has nothing to warn about: no EBADENGINE on Node 20.19, no undecided install scripts', async () => {
    // --dry-run: the same resolution, engine checks and install-script review, without touching node_modules.
    const plan = await runToEnd('npm', ['install', '--dry-run', '--no-audit', '--no-fund'], { env: cleanEnv(), timeoutMs: 120_000 });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr.split('\n').filter((line) => /\bwarn\b/i.test(line))).toEqual([]);
  });

  it('`npm run courier -- --version` prints the version; a missing -o exits 2', async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, 'apps/cli/package.json'), 'utf8')) as { version: string };
    const [shown, missing] = await Promise.all([
      runToEnd('npm', ['run', '--silent', 'courier', '--', '--version'], { env: cleanEnv(), timeoutMs: 150_000 }),
      runToEnd('npm', ['run', '--silent', 'courier', '--', 'fetch', 'http://127.0.0.1:9/x'], { env: cleanEnv(), timeoutMs: 150_000 }),
    ]);
    expect(shown).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain("required option '-o, --output <file>' not specified");
  });

  it('`npm run courier -- fetch URL -o FILE` writes FILE where the command was typed, not in the repo root', async () => {
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    // A directory of the checkout outside the workspaces: npm finds the project from there.
    const here = await mkdtemp(join(repoRoot, '.newcomer-'));
    onTestFinished(() => rm(here, { recursive: true, force: true }));
    const name = `fetched-${process.pid}.txt`;
    const run = await runToEnd('npm', ['run', '--silent', 'courier', '--', 'fetch', `${origin.url}/hello`, '-o', name, '--quiet'], { cwd: here, env: cleanEnv(), timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(here, name), 'utf8')).toBe('hello world');
    await expect(readFile(join(repoRoot, name))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
