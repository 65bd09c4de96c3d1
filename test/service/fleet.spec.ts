/**
 * The Redis-fed service across processes (issue 4): worker processes running `courier worker`,
 * producer processes, a real redis-server from the harness, loopback fixture origins in this
 * process. Orders come from latches and events; watchdogs are generous, timings are not asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { keyCounts, startJobOrigins } from './job-origins.ts';
import { allFinished, startRedis, type RedisHandle } from '../harness/index.ts';
import { fleetTestTimings, startProducerChild, startWorkerChild, type WorkerChild } from './processes.ts';

/** Watchdog for a whole run on a loaded 2-core machine. */
const RUN_WATCHDOG_MS = 120_000;

let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

async function setup(redisHandle: RedisHandle) {
  const prefix = `courier-test-${randomUUID()}`;
  const resultsDir = await mkdtemp(join(tmpdir(), 'courier-service-'));
  onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
  const queue = await createQueue({ redisUrl: redisHandle.url, prefix });
  onTestFinished(() => queue.close());
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    REDIS_URL: redisHandle.url,
    COURIER_QUEUE_PREFIX: prefix,
    COURIER_RESULTS_DIR: resultsDir,
    COURIER_ALLOW_DESTINATIONS: 'loopback',
    COURIER_CONCURRENCY: '16',
    COURIER_ORIGIN_CONCURRENCY: '2',
    ...fleetTestTimings,
    ...extra,
  });
  const startWorkers = async (ids: string[], extra: Record<string, string> = {}): Promise<WorkerChild[]> => {
    const workers = ids.map((id) => startWorkerChild(id, env(extra)));
    await Promise.all(workers.map((w) => w.ready));
    return workers;
  };
  return { prefix, queue, env, startWorkers };
}

async function terminate(worker: WorkerChild): Promise<void> {
  worker.child.kill('SIGTERM');
  const exit = await worker.exited;
  expect(exit, worker.log()).toEqual({ code: 0, signal: null });
}

describe('service: producers, workers and Redis as separate processes', () => {
  it(
    '5,000 jobs from 2 producers over 20 origins through 3 workers: each runs once, ≤ 2 in flight per origin, a slow origin holds nobody back',
    async () => {
      const { queue, env, startWorkers } = await setup(redis);
      const origins = await startJobOrigins(20);
      const [slow] = await startJobOrigins(1);
      const slowLatch = slow!.hold('/slow');
      // Slow jobs first, so they are at the head of the queue when the workers start. They wait on
      // the latch for the whole run: no headers timeout, or they would fail and come back.
      const slowJobs = await queue.enqueue(Array.from({ length: 30 }, (_, i) => ({ url: `${slow!.url}/slow?i=${i}`, headersTimeoutMs: 0 })));

      const workers = await startWorkers(['w1', 'w2', 'w3']);
      const urls = JSON.stringify(origins.map((o) => o.url));
      // Keys 2000..2999 are enqueued by both producers: one of the two gets a duplicate.
      const producers = [
        startProducerChild({ ...env(), ORIGINS: urls, FROM: '0', TO: '3000', BATCH: '100' }),
        startProducerChild({ ...env(), ORIGINS: urls, FROM: '2000', TO: '5000', BATCH: '100' }),
      ];
      await Promise.all(producers.map((p) => p.done));
      const ids = new Map<number, string>();
      for (const p of producers) for (const b of p.acked) b.keys.forEach((k, i) => ids.set(k, b.ids[i]!));
      expect(ids.size).toBe(5_000);
      expect(new Set(ids.values()).size).toBe(5_000);
      // A batch sent again after a producer-side timeout may have landed the first time: then its
      // keys come back duplicate too (at-least-once acknowledgement, made safe by the keys).
      const acked = producers.flatMap((p) => p.acked);
      const duplicates = acked.reduce((n, b) => n + b.duplicates, 0);
      const resentKeys = acked.filter((b) => b.resent).reduce((n, b) => n + b.keys.length, 0);
      expect(duplicates).toBeGreaterThanOrEqual(1_000);
      expect(duplicates).toBeLessThanOrEqual(1_000 + resentKeys);

      const records = await allFinished(queue, [...ids.values()], RUN_WATCHDOG_MS);
      expect(records.filter((r) => r.state !== 'completed').map((r) => r.error)).toEqual([]);
      // The fast jobs are all done while the slow origin is still held: it held at most its two slots.
      expect(slowLatch.released).toBe(false);
      expect(slowLatch.arrivals, 'slow requests that reached the origin').toBeLessThanOrEqual(2);
      for (const j of slowJobs) expect(['waiting', 'delayed', 'active']).toContain((await queue.get(j.id))!.state);
      slowLatch.release();
      const slowRecords = await allFinished(queue, slowJobs.map((j) => j.id), RUN_WATCHDOG_MS);
      expect(slowRecords.every((r) => r.state === 'completed')).toBe(true);

      // No job ran twice for one idempotency key; no origin saw more than 2 requests at once.
      const counts = keyCounts(origins);
      expect(counts.size).toBe(5_000);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      for (const o of origins) expect(o.maxInFlight, `max in flight at ${o.url}`).toBeLessThanOrEqual(2);
      expect(slow!.maxInFlight).toBeLessThanOrEqual(2);
      const byWorker = new Set(records.map((r) => (r.result?.kind === 'request' ? r.result.workerId : '')));
      expect(byWorker.size).toBeGreaterThanOrEqual(2);

      await Promise.all(workers.map(terminate));
    },
    RUN_WATCHDOG_MS * 2,
  );

  it(
    'SIGTERM: active jobs finish or are handed back, no new ones are taken; SIGKILL: the dead worker’s jobs finish elsewhere',
    async () => {
      const { queue, startWorkers } = await setup(redis);
      const [x, y, plain] = await startJobOrigins(3);
      const xLatch = x!.hold('/hold');
      const yLatch = y!.hold('/hold');

      // --- SIGTERM, with a grace period: X is released in time and finishes; Y is handed back.
      const [a] = await startWorkers(['wa'], { COURIER_SHUTDOWN_GRACE_MS: '1500' });
      const [jx, jy] = await queue.enqueue([
        { url: `${x!.url}/hold`, headersTimeoutMs: 0 },
        { url: `${y!.url}/hold`, headersTimeoutMs: 0 },
      ]);
      await Promise.all([xLatch.waitForArrivals(1), yLatch.waitForArrivals(1)]);
      a!.child.kill('SIGTERM');
      await a!.logged('worker stopping');
      const [jz] = await queue.enqueue([{ url: `${plain!.url}/job?key=z` }]);
      xLatch.release();
      expect(await a!.exited, a!.log()).toEqual({ code: 0, signal: null });
      expect(await queue.get(jx!.id)).toMatchObject({ state: 'completed', result: { workerId: 'wa' } });
      expect(await queue.get(jy!.id)).toMatchObject({ state: 'waiting', attempts: 0 });
      expect(await queue.get(jz!.id)).toMatchObject({ state: 'waiting' });
      expect(plain!.requests).toBe(0);

      // --- SIGKILL: B takes Y (still held upstream), dies; C finishes Y after stalled-job recovery.
      const [b] = await startWorkers(['wb']);
      await yLatch.waitForArrivals(2);
      const [c] = await startWorkers(['wc']);
      b!.child.kill('SIGKILL');
      expect((await b!.exited).signal).toBe('SIGKILL');
      const more = await queue.enqueue(Array.from({ length: 100 }, (_, i) => ({ url: `${plain!.url}/job?key=${i}` })));
      yLatch.release();
      const records = await allFinished(queue, [jy!.id, jz!.id, ...more.map((j) => j.id)], RUN_WATCHDOG_MS);
      expect(records.filter((r) => r.state !== 'completed')).toEqual([]);
      expect(records[0]!.result).toMatchObject({ workerId: 'wc' });
      expect(keyCounts([plain!]).size).toBe(101);

      await terminate(c!);
    },
    RUN_WATCHDOG_MS * 2,
  );

  it(
    'Redis restarted mid-run (AOF on): every acknowledged job completes',
    async () => {
      const aof = await startRedis({ appendonly: true });
      onTestFinished(() => aof.stop());
      const { queue, env, startWorkers } = await setup(aof);
      const origins = await startJobOrigins(20);
      const workers = await startWorkers(['r1', 'r2', 'r3']);
      const urls = JSON.stringify(origins.map((o) => o.url));
      let completed = 0;
      let reached: () => void = () => {};
      const enoughDone = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const unsubscribe = queue.subscribe((event) => {
        if (event.type === 'completed' && ++completed === 150) reached();
      });
      onTestFinished(unsubscribe);
      const producers = [
        startProducerChild({ ...env(), ORIGINS: urls, FROM: '0', TO: '600', BATCH: '20', PAUSE_MS: '40' }),
        startProducerChild({ ...env(), ORIGINS: urls, FROM: '600', TO: '1200', BATCH: '20', PAUSE_MS: '40' }),
      ];
      await enoughDone;
      // A crash, not a clean shutdown: only what the AOF holds (every acknowledged write) survives.
      await aof.kill();
      await aof.restart();
      await Promise.all(producers.map((p) => p.done));
      const ids = producers.flatMap((p) => p.acked.flatMap((b) => b.ids));
      expect(ids).toHaveLength(1_200);
      const records = await allFinished(queue, ids, RUN_WATCHDOG_MS);
      expect(records.filter((r) => r.state !== 'completed').map((r) => [r.id, r.state, r.error])).toEqual([]);
      // At least once: a job caught mid-request by the crash may have run again; none ran zero times.
      expect(keyCounts(origins).size).toBe(1_200);
      await Promise.all(workers.map(terminate));
    },
    RUN_WATCHDOG_MS * 2,
  );
});
