// The driver contract on a real 3-master Redis Cluster, the queue split into 3 shards (one per
// master): every Lua script, pipeline and MULTI must stay in one slot, or the cluster refuses it
// (CROSSSLOT) and the suite fails.
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { JobResult } from '../driver.ts';
import { describeDriver } from '../../testing/describe-driver.ts';
import { useTestRedisCluster } from '../../testing/test-redis-cluster.ts';
import { until } from '../../testing/test-redis.ts';
import { createQueue } from '../create-queue.ts';
import { ShardedDriver } from './sharded-driver.ts';
import { keySlot } from './shard-routing.ts';
import { createRedisConnection } from '../bullmq/redis-connection.ts';
import { limitKeys, RedisLimitStore } from '../../redis/redis-limit-store.ts';

const redis = useTestRedisCluster();

describeDriver('bullmq, 3 shards on a 3-master Redis Cluster', async (options) => {
  const prefix = redis.prefix();
  const driver = await createQueue({ ...options, clusterNodes: redis.seeds, shards: 3, prefix });
  return { driver, dump: () => redis.dump(prefix) };
});

describe('sharded queue on a Redis Cluster', () => {
  it("puts each shard on its own master and each job in its origin's shard", async () => {
    const prefix = redis.prefix();
    const driver = await createQueue({ clusterNodes: redis.seeds, shards: 3, prefix });
    onTestFinished(() => driver.close());
    expect(driver).toBeInstanceOf(ShardedDriver);
    const sharded = driver as ShardedDriver;

    // Which master serves each shard's slot.
    const admin = new Redis(redis.cluster.ports[0]!, '127.0.0.1');
    onTestFinished(() => admin.disconnect());
    const slots = await admin.cluster('SLOTS');
    const ownerOf = (key: string) => slots.find(([from, to]) => keySlot(key) >= from && keySlot(key) <= to)![2]![1];
    expect(new Set(sharded.prefixes.map((p) => ownerOf(`${p}:jobs:wait`))).size).toBe(3);

    const urls = Array.from({ length: 30 }, (_, i) => `http://127.0.0.1:${40_000 + i}/x`);
    const added = await driver.enqueue(urls.map((url) => ({ url })), { delayMs: 60_000 });
    const used = new Set<number>();
    for (const [i, { id }] of added.entries()) {
      const shard = sharded.shardOfUrl(urls[i]!);
      used.add(shard);
      expect(await sharded.shards[shard]!.get(id)).toMatchObject({ id, state: 'delayed' });
      for (const [j, other] of sharded.shards.entries()) if (j !== shard) expect(await other.get(id)).toBeNull();
    }
    expect(used.size).toBe(3);
    expect(await driver.counts()).toMatchObject({ delayed: 30 });
  });

  /** `count` origins (loopback ports nothing listens on) falling in every one of the 3 shards. */
  function originsInEveryShard(sharded: ShardedDriver, count: number): string[] {
    const urls: string[] = [];
    const shards = new Set<number>();
    for (let port = 41_000; urls.length < count || shards.size < 3; port += 1) {
      const url = `http://127.0.0.1:${port}/x`;
      shards.add(sharded.shardOfUrl(url));
      urls.push(url);
    }
    return urls;
  }

  it('checks a batch spanning shards as a whole first: one bad job adds nothing to any shard', async () => {
    const driver = (await createQueue({ clusterNodes: redis.seeds, shards: 3, prefix: redis.prefix() })) as ShardedDriver;
    onTestFinished(() => driver.close());
    const urls = originsInEveryShard(driver, 6);
    await expect(driver.enqueue([...urls.map((url) => ({ url })), { url: 'ftp://example.test/' }])).rejects.toMatchObject({ code: 'UNSUPPORTED_SCHEME' });
    await expect(driver.enqueue(urls.map((url) => ({ url })), urls.map((_, i) => (i === 3 ? { priority: 0.5 } : {})))).rejects.toMatchObject({ code: 'BAD_JOB' });
    expect(await driver.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  });

  it("lists failed jobs of every shard, newest first; an idempotency key holds within its origin's shard", async () => {
    const driver = (await createQueue({ clusterNodes: redis.seeds, shards: 3, prefix: redis.prefix() })) as ShardedDriver;
    onTestFinished(() => driver.close());
    const urls = originsInEveryShard(driver, 6);
    // Nothing listens on these ports: each job fails at once (connect refused, one attempt).
    const worker = driver.startWorker(
      async (job) => {
        throw Object.assign(new Error(`refused ${job.input.url}`), { code: 'CONNECT_REFUSED' });
      },
      { concurrency: 4, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2 },
    );
    onTestFinished(() => worker.close(0));
    const ids: string[] = [];
    for (const url of urls) {
      const [job] = await driver.enqueue([{ url }], { attempts: 1 });
      expect((await driver.wait(job!.id, 30_000))?.state).toBe('failed');
      ids.push(job!.id);
    }
    const failed = await driver.listFailed();
    expect(failed.map((r) => r.id)).toEqual([...ids].reverse());
    expect((await driver.listFailed(1, 2)).map((r) => r.id)).toEqual([ids.at(-2), ids.at(-3)]);
    // The same key for two origins of different shards: each shard holds it once (no CONFLICT).
    const [a, b] = [urls.find((u) => driver.shardOfUrl(u) === 0)!, urls.find((u) => driver.shardOfUrl(u) === 1)!];
    const [first] = await driver.enqueue([{ url: a }], { idempotencyKey: 'k', delayMs: 60_000 });
    const [second] = await driver.enqueue([{ url: b }], { idempotencyKey: 'k', delayMs: 60_000 });
    expect(first!.duplicate || second!.duplicate).toBe(false);
    await expect(driver.enqueue([{ url: `${a}?other` }], { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it("runs at most `concurrency` jobs at once over all shards, and shows the worker once in the fleet view", async () => {
    const driver = (await createQueue({ clusterNodes: redis.seeds, shards: 3, prefix: redis.prefix() })) as ShardedDriver;
    onTestFinished(() => driver.close());
    const urls = originsInEveryShard(driver, 9);
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const result = { kind: 'request', status: 200, statusText: 'OK', headers: {}, url: '', redirects: [], timings: { startedAt: 0, headersMs: 0, totalMs: 0 }, bodyBytes: 0, workerId: 'w' } satisfies JobResult;
    const worker = driver.startWorker(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        return result;
      },
      { concurrency: 2, workerId: 'sharded-w', lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2, fleet: { origins: () => [], closeConnections: async () => {} } },
    );
    onTestFinished(() => worker.close(0));
    const jobs = await driver.enqueue(urls.map((url) => ({ url })));
    // Each shard's BullMQ worker may take 2 jobs; only 2 of them run, the rest wait for a slot.
    await until(() => release.length === 2, 'two jobs running');
    for (let done = 0; done < jobs.length; done += 1) {
      await until(() => release.length > 0, 'a job running');
      expect(running).toBeLessThanOrEqual(2);
      release.shift()!();
    }
    for (const job of jobs) expect((await driver.wait(job.id, 30_000))?.state).toBe('completed');
    expect(most).toBe(2);
    await until(async () => (await driver.fleet.workers()).length > 0, 'the worker in the fleet view');
    expect((await driver.fleet.workers()).map((w) => w.workerId)).toEqual(['sharded-w']);
  });

  it('consumes every shard fairly: with a backlog in each, no shard waits for another to drain', async () => {
    const driver = (await createQueue({ clusterNodes: redis.seeds, shards: 3, prefix: redis.prefix() })) as ShardedDriver;
    onTestFinished(() => driver.close());
    const urls = originsInEveryShard(driver, 3);
    const oneEach = [0, 1, 2].map((shard) => urls.find((u) => driver.shardOfUrl(u) === shard)!);
    const jobs = await driver.enqueue(oneEach.flatMap((url) => Array.from({ length: 10 }, (_, i) => ({ url: `${url}?i=${i}` }))));
    const started: number[] = [];
    const result = { kind: 'request', status: 200, statusText: 'OK', headers: {}, url: '', redirects: [], timings: { startedAt: 0, headersMs: 0, totalMs: 0 }, bodyBytes: 0, workerId: 'w' } satisfies JobResult;
    const worker = driver.startWorker(
      async (job) => {
        started.push(driver.shardOfUrl(job.input.url));
        await new Promise((resolve) => setTimeout(resolve, 5));
        return result;
      },
      { concurrency: 2, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2 },
    );
    onTestFinished(() => worker.close(0));
    for (const job of jobs) expect((await driver.wait(job.id, 30_000))?.state).toBe('completed');
    // In the first 12 jobs run, every shard's backlog was served more than once.
    const firstTwelve = started.slice(0, 12);
    for (const shard of [0, 1, 2]) expect(firstTwelve.filter((s) => s === shard).length, `shard ${shard} in ${firstTwelve.join(',')}`).toBeGreaterThanOrEqual(2);
  });

  it('renews the leases of many origins at once on the cluster (one pipeline per slot)', async () => {
    const prefix = `{${redis.prefix()}}`;
    const connection = createRedisConnection('redis://127.0.0.1', 'worker', 5_000, redis.cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    onTestFinished(() => connection.disconnect());
    const store = new RedisLimitStore(connection, prefix);
    const origins = Array.from({ length: 12 }, (_, i) => `http://127.0.0.1:${42_000 + i}`);
    expect(new Set(origins.map((o) => keySlot(limitKeys(prefix, o).leases))).size).toBe(12);
    for (const origin of origins) expect((await store.acquire(origin, { concurrency: 1, rps: 0, burst: 1 }, `t-${origin}`, 5_000)).ok).toBe(true);
    const leases = origins.map((origin) => ({ origin, token: `t-${origin}` }));
    expect(await store.renew([...leases, { origin: origins[0]!, token: 'never-taken' }], 60_000)).toEqual([{ origin: origins[0]!, token: 'never-taken' }]);
    for (const origin of origins) expect(await connection.pttl(limitKeys(prefix, origin).leases)).toBeGreaterThan(5_000);
    for (const lease of leases) await store.release(lease);
  });

  it('refuses bad cluster settings with BAD_OPTION', async () => {
    await expect(createQueue({ clusterNodes: 'localhost' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createQueue({ clusterNodes: '127.0.0.1:99999' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createQueue({ clusterNodes: redis.seeds, shards: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});
