/**
 * Batch jobs across processes (issue 16): the service suite's 5,000 keyed jobs over 20 origins
 * with a per-origin limit of 2, sent as batch jobs by two producer processes to three `courier
 * worker` processes, one of them SIGKILLed mid-run. Every acknowledged request completes, no
 * origin sees more than 2 at once, a key shared by both producers is one request, and only the
 * requests in flight on the killed worker may run a second time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { requestsFinished, startRedis, until, type RedisHandle } from '../harness/index.ts';
import { startProducerChild, startWorkerChild, type WorkerChild } from '../service/processes.ts';

const RUN_WATCHDOG_MS = 180_000;
const CONCURRENCY = 16;

let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('batch jobs through the fleet', () => {
  it(
    '5,000 keyed requests as batch jobs over 20 origins, one worker SIGKILLed mid-run: all complete, ≤ 2 in flight per origin, each key one request',
    async () => {
      const prefix = `courier-test-${randomUUID()}`;
      const resultsDir = await mkdtemp(join(tmpdir(), 'courier-batch-'));
      onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
      const queue = await createQueue({ redisUrl: redis.url, prefix });
      onTestFinished(() => queue.close());
      const env: Record<string, string> = {
        REDIS_URL: redis.url,
        COURIER_QUEUE_PREFIX: prefix,
        COURIER_RESULTS_DIR: resultsDir,
        COURIER_ALLOW_DESTINATIONS: 'loopback',
        COURIER_CONCURRENCY: String(CONCURRENCY),
        COURIER_ORIGIN_CONCURRENCY: '2',
        COURIER_LOCK_DURATION_MS: '10000',
        COURIER_STALLED_INTERVAL_MS: '1000',
        COURIER_MAX_STALLED_COUNT: '3',
        COURIER_LEASE_TTL_MS: '10000',
        COURIER_LEASE_RENEW_MS: '1000',
      };
      const origins: HttpFixture[] = await Promise.all(Array.from({ length: 20 }, () => startHttpFixture()));
      for (const f of origins) {
        onTestFinished(() => f.close());
        f.route('/job', (_req, res) => {
          setTimeout(() => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          }, 3);
        });
      }
      const workers: WorkerChild[] = ['b1', 'b2', 'b3'].map((id) => startWorkerChild(id, env));
      await Promise.all(workers.map((w) => w.ready));

      const urls = JSON.stringify(origins.map((o) => o.url));
      let completed = 0;
      const unsubscribe = queue.subscribe((event) => {
        if (event.type === 'completed') completed += 1;
      });
      onTestFinished(unsubscribe);
      // Keys 2000..2999 are sent by both producers: one of the two gets them back as duplicates.
      const producers = [
        startProducerChild({ ...env, ORIGINS: urls, FROM: '0', TO: '3000', BATCH: '500', BATCH_JOBS: '1', PAUSE_MS: '20' }),
        startProducerChild({ ...env, ORIGINS: urls, FROM: '2000', TO: '5000', BATCH: '500', BATCH_JOBS: '1', PAUSE_MS: '20' }),
      ];
      // Mid-run: some requests done, most not.
      await until(() => completed >= 500, '500 requests completed', RUN_WATCHDOG_MS);
      const killed = workers[0]!;
      killed.child.kill('SIGKILL');
      expect((await killed.exited).signal).toBe('SIGKILL');
      await Promise.all(producers.map((p) => p.done));

      const ids = new Map<number, string>();
      for (const p of producers) for (const b of p.acked) b.keys.forEach((k, i) => ids.set(k, b.ids[i]!));
      expect(ids.size).toBe(5_000);
      expect(new Set(ids.values()).size).toBe(5_000);
      const records = await requestsFinished(queue, [...ids.values()], RUN_WATCHDOG_MS);
      expect(records.filter((r) => r.state !== 'completed').map((r) => [r.id, r.state, r.error])).toEqual([]);

      const counts = new Map<string, number>();
      for (const f of origins) for (const r of f.requestLog) if (r.path.startsWith('/job?')) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
      expect(counts.size).toBe(5_000);
      // Finished requests keep their results: only those in flight on the killed worker ran again
      // (at most its batch jobs × the origin limit, and never a third time).
      const twice = [...counts.values()].filter((n) => n === 2).length;
      expect([...counts.values()].every((n) => n <= 2)).toBe(true);
      expect(twice).toBeLessThanOrEqual(CONCURRENCY * 2);
      for (const o of origins) expect(o.maxInFlight, `max in flight at ${o.url}`).toBeLessThanOrEqual(2);
      const byWorker = new Set(records.map((r) => (r.result?.kind === 'request' ? r.result.workerId : '')));
      // What the killed worker finished before it died kept its results; the rest ran elsewhere.
      expect(byWorker.has('b1')).toBe(true);
      expect(byWorker.has('b2') || byWorker.has('b3')).toBe(true);

      for (const w of workers.slice(1)) {
        w.child.kill('SIGTERM');
        expect(await w.exited, w.log()).toEqual({ code: 0, signal: null });
      }
    },
    RUN_WATCHDOG_MS * 2,
  );
});
