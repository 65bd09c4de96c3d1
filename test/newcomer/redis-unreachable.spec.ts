// Redis unreachable at start (REDIS_URL on a closed loopback port): the server waits with one
// line per backoff step and nothing else, and SIGTERM ends it at once, also through `npm start`
// (whose node child must not outlive it).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnCourier } from '../harness/courier-process.ts';
import { freePort, until } from '../harness/index.ts';
import { lineLog } from './support/lines.ts';
import { cleanEnv, repoRoot } from './support/repo.ts';

const backoffLine = /^courier: Redis at redis:\/\/127\.0\.0\.1:\d+\/? not reachable \(ECONNREFUSED\); next try in \d+ s/;

/** Resolves with the exit and how long it took after `t0`; a watchdog (not a timing claim) rejects. */
function exitWithin(child: ReturnType<typeof spawn>, watchdogMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = performance.now();
  return Promise.race([
    once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, ms: Math.round(performance.now() - t0) })),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit ${watchdogMs} ms after SIGTERM`)), watchdogMs).unref()),
  ]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Redis unreachable at start', { timeout: 120_000 }, () => {
  it('`courier serve` prints one line per backoff step, nothing else, and stops at once on SIGTERM', async () => {
    const closedPort = await freePort();
    const child = spawnCourier(['serve'], cleanEnv({ PORT: '0', REDIS_URL: `redis://127.0.0.1:${closedPort}` }));
    const log = lineLog(child);
    // Three steps (after 1 s and 2 s of waiting): the window in which the old code printed a
    // warning per reconnect of every connection.
    const seen = await log.waitFor(backoffLine, 3);
    expect(seen.slice(0, 3)).toEqual([expect.stringMatching(/next try in 1 s/), expect.stringMatching(/next try in 2 s/), expect.stringMatching(/next try in 4 s/)]);
    expect(seen.filter((l) => !backoffLine.test(l))).toEqual([]);

    child.kill('SIGTERM');
    const exit = await exitWithin(child, 10_000);
    console.log(`courier serve: exit ${exit.ms} ms after SIGTERM while waiting for Redis`);
    expect(exit.code).toBe(143);
    expect(log.lines.at(-1)).toBe('courier: stopped by SIGTERM while waiting for Redis');
  });

  it('SIGTERM to `npm start` stops its node child too', async () => {
    const closedPort = await freePort();
    const npm = spawn('npm', ['start'], { cwd: repoRoot, env: cleanEnv({ PORT: '0', REDIS_URL: `redis://127.0.0.1:${closedPort}` }), stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    });
    const log = lineLog(npm);
    // The server runs (it says it waits for Redis): now find it among npm's children.
    await log.waitFor(backoffLine);
    const children = execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(children.length).toBeGreaterThan(0);

    npm.kill('SIGTERM');
    const exit = await exitWithin(npm, 10_000);
    console.log(`npm start: exit ${exit.ms} ms after SIGTERM`);
    // No orphan: before the scripts exec'd node, npm's SIGTERM stopped only the shell between them.
    await until(() => children.every((pid) => !isAlive(pid)), 'npm start’s children to exit', 10_000);
  });
});
