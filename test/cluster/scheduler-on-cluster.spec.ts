/**
 * The Pluto facade's fleet transport on a real 3-master Redis Cluster (`REDIS_CLUSTER_NODES`,
 * `COURIER_QUEUE_SHARDS`): a scheduler's coroutines send requests through the sharded queue to a
 * worker and get their answers back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, plutoPolicy } from '@courier/origin';
import { createQueue, startWorker } from '@courier/queue';
import { useTestRedisCluster } from '@courier/queue/testing';
import { createPlutoHttp, Scheduler, transportFromEnv } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';

const redis = useTestRedisCluster();

describe('the fleet transport on a Redis Cluster', () => {
  it('answers coroutines through 3 shards, configured from the environment as COURIER_TRANSPORT=fleet is', async () => {
    const origins: HttpFixture[] = await Promise.all(Array.from({ length: 6 }, () => startHttpFixture()));
    for (const o of origins) {
      onTestFinished(() => o.close());
      o.route('/tag', (_req, res, ctx) => {
        const tag = ctx.url.searchParams.get('t') ?? '';
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(tag);
      });
    }
    // The default prefix, as `COURIER_TRANSPORT=fleet` has it (this cluster is this file's alone).
    const resultsDir = await mkdtemp(join(tmpdir(), 'courier-cluster-sched-'));
    onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
    const queue = await createQueue({ clusterNodes: redis.seeds, shards: 3, events: false });
    onTestFinished(() => queue.close());
    const client = createClient();
    const plutoClient = createClient({ policy: { ...plutoPolicy } });
    onTestFinished(() => Promise.all([client.close(), plutoClient.close()]).then(() => {}));
    const worker = startWorker({ queue, client, plutoClient, resultsDir, concurrency: 8, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2 });
    onTestFinished(() => worker.close(0));

    // The transport `COURIER_TRANSPORT=fleet` builds from the environment.
    const transport = transportFromEnv({ COURIER_TRANSPORT: 'fleet', REDIS_CLUSTER_NODES: redis.seeds, COURIER_QUEUE_SHARDS: '3' })!;
    onTestFinished(() => transport.close());
    expect(transport.kind).toBe('fleet');
    const http = createPlutoHttp({ transport });

    const sched = new Scheduler();
    const answers: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      sched.add(function* () {
        const [body, status] = yield* http.request(`${origins[i % origins.length]!.url}/tag?t=${i}`);
        answers.push(`${status} ${String(body)}`);
      });
    }
    await sched.run();
    expect(answers.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `200 ${i}`).sort());
  }, 120_000);
});
