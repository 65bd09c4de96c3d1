// The driver contract on a real 3-master Redis Cluster, the queue split into 3 shards (one per
// master): every Lua script, pipeline and MULTI must stay in one slot, or the cluster refuses it
// (CROSSSLOT) and the suite fails.
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { describeDriver } from '../../testing/describe-driver.ts';
import { useTestRedisCluster } from '../../testing/test-redis-cluster.ts';
import { createQueue } from '../create-queue.ts';
import { ShardedDriver } from './sharded-driver.ts';
import { keySlot } from './shard-routing.ts';

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

  it('refuses bad cluster settings with BAD_OPTION', async () => {
    await expect(createQueue({ clusterNodes: 'localhost' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createQueue({ clusterNodes: '127.0.0.1:99999' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createQueue({ clusterNodes: redis.seeds, shards: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});
