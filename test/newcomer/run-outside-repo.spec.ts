// `courier run` with a script in a temporary directory outside the repository (no package.json,
// no node_modules beside it): top-level await works and `@courier/scheduler` comes from
// Courier's own install. With a Redis URL and no live worker it warns that the jobs will wait.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCourier, spawnCourier } from '../harness/courier-process.ts';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { startRedis, type RedisHandle } from '../harness/index.ts';
import { lineLog } from './support/lines.ts';
import { cleanEnv } from './support/repo.ts';

let dir: string;
let origin: HttpFixture;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'courier-run-outside-'));
  origin = await startHttpFixture();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await origin?.close();
});

/** A script as a user writes it: TypeScript, top-level await, the README's import. */
async function script(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `import { Scheduler, http } from '@courier/scheduler';\n${body}\n`);
  return file;
}

const zeroWorkers = /courier run: 0 live workers on redis:\/\/.*the script's requests will wait in the queue/;

describe('courier run, a script outside the repository', { timeout: 180_000 }, () => {
  it('runs in-process: top-level await, @courier/scheduler from Courier’s install', async () => {
    const file = await script(
      'fetch.ts',
      `const sched = new Scheduler();
let answer: unknown;
sched.add(function* () {
  const [body, status] = yield* http.request('${origin.url}/hello');
  answer = { status, body };
});
await sched.run();
console.log(JSON.stringify(answer));`,
    );
    const run = await runCourier(['run', file, '--local'], cleanEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ status: 200, body: 'hello world' });
  });

  describe('against a Redis queue', () => {
    let redis: RedisHandle;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.stop());

    it('warns at start that 0 workers are live and the jobs will wait; not once a worker is live', async () => {
      const file = await script('no-requests.ts', "await Promise.resolve();\nconsole.log('script ran', typeof Scheduler, typeof http.request);");
      const alone = await runCourier(['run', file, '--redis', redis.url, '--prefix', 'newcomer-run'], cleanEnv());
      expect(alone.code, alone.stderr).toBe(0);
      expect(alone.stdout).toContain('script ran function function');
      expect(alone.stderr).toMatch(zeroWorkers);

      // The same with a worker on that queue: its heartbeat is in the fleet view, no warning.
      const worker = spawnCourier(['worker'], cleanEnv({ REDIS_URL: redis.url, COURIER_QUEUE_PREFIX: 'newcomer-run' }));
      await lineLog(worker).waitFor(/courier worker \S+ taking jobs/);
      const withWorker = await runCourier(['run', file, '--redis', redis.url, '--prefix', 'newcomer-run'], cleanEnv());
      expect(withWorker.code, withWorker.stderr).toBe(0);
      expect(withWorker.stderr).not.toMatch(zeroWorkers);
    });
  });
});
