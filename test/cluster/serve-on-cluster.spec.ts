/**
 * `courier serve` (API + in-process worker) configured for a real 3-master Redis Cluster through
 * the environment (REDIS_CLUSTER_NODES, COURIER_QUEUE_SHARDS), as in the compose profile `cluster`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTestRedisCluster } from '@courier/queue/testing';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { serveCourier, serverEnv } from '../harness/index.ts';

const redis = useTestRedisCluster();

describe('courier serve on a Redis Cluster', () => {
  it('takes jobs over the API and runs them on the sharded queue; Bull Board is off', async () => {
    const origins: HttpFixture[] = await Promise.all(Array.from({ length: 6 }, () => startHttpFixture()));
    for (const o of origins) onTestFinished(() => o.close());
    const server = await serveCourier(serverEnv({
      REDIS_CLUSTER_NODES: redis.seeds,
      COURIER_QUEUE_SHARDS: '3',
      COURIER_QUEUE_PREFIX: redis.prefix(),
      COURIER_ALLOW_DESTINATIONS: 'loopback',
    }));
    const jobs = origins.flatMap((o) => [1, 2, 3].map((n) => ({ url: `${o.url}/hello?n=${n}` })));
    const posted = await fetch(`${server.url}/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobs }) });
    expect(posted.status, server.stderr()).toBe(202);
    const { ids } = (await posted.json()) as { ids: string[] };
    expect(ids).toHaveLength(jobs.length);
    for (const id of ids) {
      const record = (await (await fetch(`${server.url}/v1/requests/${id}?wait=30000`)).json()) as { state: string; result?: { status: number } };
      expect(record).toMatchObject({ state: 'completed', result: { status: 200 } });
    }
    for (const o of origins) expect(o.requests).toBe(3);
    // A key that is in no shard is no job.
    expect((await fetch(`${server.url}/v1/requests/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${server.url}/admin/queues`)).status).toBe(404);
  }, 120_000);
});
