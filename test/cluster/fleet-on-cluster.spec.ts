/**
 * The fleet on a real 3-master Redis Cluster (issue 16): `courier worker` processes and producer
 * processes configured with REDIS_CLUSTER_NODES and COURIER_QUEUE_SHARDS=3 (one shard per master),
 * loopback fixture origins in this process. Mid-run one worker is SIGKILLed and one master is
 * crashed and restarted (AOF with `appendfsync always`, as in production). The same scenario runs
 * twice: with plain jobs, and with batch jobs (the producers enqueue with `{ batch: true }`: one
 * queue job carries the requests of one origin). Orders come from events; watchdogs are generous,
 * timings are not asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue, ShardedDriver } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { keyCounts, startJobOrigins } from '../service/job-origins.ts';
import { allFinished, requestsFinished, startRedisCluster, until, type RedisClusterHandle } from '../harness/index.ts';
import { fleetTestTimings, startProducerChild, startWorkerChild, type WorkerChild } from '../service/processes.ts';

/** Watchdog for the whole run on a loaded 2-core machine. */
const RUN_WATCHDOG_MS = 150_000;
const JOBS = 5_000;
const ORIGINS = 20;
const WORKER_CONCURRENCY = 16;

let cluster: RedisClusterHandle;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const variants = [
  { jobs: 'plain jobs', batchJobs: false },
  { jobs: 'batch jobs', batchJobs: true },
];

describe.each(variants)('the fleet on a 3-master Redis Cluster, $jobs', ({ batchJobs }) => {
  it(
    `${JOBS} jobs over ${ORIGINS} origins (limit 2), one worker SIGKILLed and one master restarted: every acknowledged job completes, ≤ 2 in flight per origin, one job per key`,
    async (context) => {
      const prefix = `courier-test-${randomUUID()}`;
      const resultsDir = await mkdtemp(join(tmpdir(), 'courier-cluster-'));
      onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
      const env = {
        REDIS_CLUSTER_NODES: cluster.seeds,
        COURIER_QUEUE_SHARDS: '3',
        COURIER_QUEUE_PREFIX: prefix,
        COURIER_RESULTS_DIR: resultsDir,
        COURIER_ALLOW_DESTINATIONS: 'loopback',
        COURIER_CONCURRENCY: String(WORKER_CONCURRENCY),
        COURIER_ORIGIN_CONCURRENCY: '2',
        ...fleetTestTimings,
      };
      const queue = await createQueue({ clusterNodes: cluster.seeds, shards: 3, prefix });
      onTestFinished(() => queue.close());
      const origins = await startJobOrigins(ORIGINS);
      const shardsUsed = new Set(origins.map((o) => (queue as ShardedDriver).shardOfUrl(o.url)));
      expect(shardsUsed.size, 'shards the origins fall in').toBeGreaterThanOrEqual(2);

      const workers: WorkerChild[] = ['c1', 'c2', 'c3'].map((id) => startWorkerChild(id, env));
      for (const w of workers) onTestFinished(() => void w.child.kill('SIGKILL'));
      await Promise.all(workers.map((w) => w.ready));

      let completed = 0;
      const unsubscribe = queue.subscribe((event) => {
        if (event.type === 'completed') completed += 1;
      });
      onTestFinished(unsubscribe);

      // Keys 2000..2999 are enqueued by both producers: one of the two gets a duplicate. A pause
      // between enqueue calls keeps them sending through the chaos below (30 calls each). With
      // batch jobs, each call of 100 requests over the 20 origins becomes 20 batch jobs of 5.
      const urls = JSON.stringify(origins.map((o) => o.url));
      const send = { ...env, ORIGINS: urls, BATCH: '100', PAUSE_MS: '300', BATCH_JOBS: batchJobs ? '1' : '0' };
      const producers = [startProducerChild({ ...send, FROM: '0', TO: '3000' }), startProducerChild({ ...send, FROM: '2000', TO: String(JOBS) })];

      // Chaos a third of the way through the producing, with the workers busy: a worker dies with
      // jobs in flight, then a master crashes and comes back while the producers keep sending.
      await until(() => producers.every((p) => p.acked.length >= 10) && completed >= 500, () => `a third produced and 500 done (completed ${completed})`, RUN_WATCHDOG_MS);
      const killed = workers[1]!;
      killed.child.kill('SIGKILL');
      expect((await killed.exited).signal).toBe('SIGKILL');
      await cluster.restartMaster(1, { crash: true });
      const stillSending = producers.filter((p) => p.acked.length < 30).length;

      await Promise.all(producers.map((p) => p.done));
      const ids = new Map<number, string>();
      for (const p of producers) for (const b of p.acked) b.keys.forEach((k, i) => ids.set(k, b.ids[i]!));
      expect(ids.size).toBe(JOBS);
      // One job per idempotency key: the overlap and every re-sent batch came back as duplicates.
      expect(new Set(ids.values()).size).toBe(JOBS);
      const acked = producers.flatMap((p) => p.acked);
      const duplicates = acked.reduce((n, b) => n + b.duplicates, 0);
      const resentKeys = acked.filter((b) => b.resent).reduce((n, b) => n + b.keys.length, 0);
      expect(duplicates).toBeGreaterThanOrEqual(1_000);
      expect(duplicates).toBeLessThanOrEqual(1_000 + resentKeys);

      // A batch job counts once in the queue's counts, for all its requests: allFinished's shortcut does not apply.
      const records = await (batchJobs ? requestsFinished : allFinished)(queue, [...ids.values()], RUN_WATCHDOG_MS);
      expect(records.filter((r) => r.state !== 'completed').map((r) => [r.id, r.state, r.error])).toEqual([]);
      // Batch jobs really carried the requests: a few queue jobs, each for several requests.
      const queueJobs = (await queue.counts()).completed;
      if (batchJobs) expect(queueJobs, 'queue jobs completed').toBeLessThanOrEqual(JOBS / 2);

      // Every key reached its origin; none twice, but for a job caught mid-request by the SIGKILL or
      // the crash (at least once): at most the jobs in flight at those two moments, ≤ 2 per origin each.
      // A batch job delivered again skips the requests recorded finished; a request runs again only
      // if it reached its origin and its outcome was not recorded yet, and it holds its origin's
      // slot until then: the same bound.
      const counts = keyCounts(origins);
      expect(counts.size).toBe(JOBS);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      context.annotate(`queue jobs completed: ${queueJobs}; keys that reached their origin twice: ${twice}; batches re-sent: ${acked.filter((b) => b.resent).length}; producers still sending after the restart: ${stillSending}`);
      expect(twice, 'keys that ran more than once').toBeLessThanOrEqual(2 * ORIGINS * 2);
      for (const o of origins) expect(o.maxInFlight, `max in flight at ${o.url}`).toBeLessThanOrEqual(2);
      const byWorker = new Set(records.map((r) => (r.result?.kind === 'request' ? r.result.workerId : '')));
      expect(byWorker.has('c1') && byWorker.has('c3')).toBe(true);

      for (const w of [workers[0]!, workers[2]!]) {
        w.child.kill('SIGTERM');
        expect(await w.exited, w.log()).toEqual({ code: 0, signal: null });
      }
    },
    RUN_WATCHDOG_MS * 2,
  );
});
