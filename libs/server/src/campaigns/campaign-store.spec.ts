// One contract for both campaign stores: the in-memory one, and Redis (a real redis-server from
// the harness, a fresh key prefix per test).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRedis, startRedisCluster, type RedisClusterHandle, type RedisHandle } from '../../../../test/harness/index.ts';
import type { CampaignStore } from './campaign-store.ts';
import type { CampaignDevice, CampaignSpec } from './campaign-types.ts';
import { MemoryCampaignStore } from './memory-campaign-store.ts';
import { RedisCampaignStore } from './redis/redis-campaign-store.ts';
import { planWaves } from './wave-plan.ts';

let redis: RedisHandle;
let cluster: RedisClusterHandle;
beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

function spec(id: string, deviceCount: number, createdAt = Date.now()): CampaignSpec {
  return {
    id,
    name: null,
    createdAt,
    firmware: { url: 'http://127.0.0.1:9/fw.bin', sha256: 'c'.repeat(64), size: 100 },
    failureThreshold: 0.1,
    attempts: null,
    deviceCount,
    waves: planWaves([0.1, 1], deviceCount),
    specHash: 'h',
  };
}

const devices = (n: number): CampaignDevice[] => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, dst: `x/d${i}.bin` }));

function describeStore(name: string, create: () => CampaignStore) {
  describe(`${name} campaign store`, () => {
    const open = () => {
      const store = create();
      onTestFinished(() => store.close());
      return store;
    };

    it('creates once (a taken id is `exists` and changes nothing), and reads back spec, status and devices', async () => {
      const store = open();
      expect(await store.create(spec('c1', 2_500), devices(2_500))).toBe('created');
      expect(await store.create({ ...spec('c1', 3), specHash: 'other' }, devices(3))).toBe('exists');
      const got = await store.get('c1');
      expect(got).toMatchObject({ id: 'c1', deviceCount: 2_500, specHash: 'h', status: { state: 'running', wave: 0, settled: false } });
      expect(got!.status.waves).toEqual([
        { released: 0, completed: 0, failed: 0, cancelled: 0 },
        { released: 0, completed: 0, failed: 0, cancelled: 0 },
      ]);
      expect(await store.devices('c1', 1_999, 3)).toEqual([
        { id: 'd1999', dst: 'x/d1999.bin' },
        { id: 'd2000', dst: 'x/d2000.bin' },
        { id: 'd2001', dst: 'x/d2001.bin' },
      ]);
      expect(await store.devices('c1', 2_499, 10)).toHaveLength(1);
      expect(await store.get('nope')).toBeNull();
      expect(await store.unsettled()).toEqual(['c1']);
    });

    it('records an outcome once per device and counts it in its wave', async () => {
      const store = open();
      await store.create(spec('c2', 10), devices(10));
      expect(await store.recordOutcome('c2', 0, 0, { outcome: 'failed', code: 'HTTP_STATUS' })).toBe(true);
      expect(await store.recordOutcome('c2', 0, 0, { outcome: 'completed' })).toBe(false);
      expect(await store.recordOutcome('c2', 5, 1, { outcome: 'cancelled' })).toBe(true);
      expect(await store.recordOutcome('nope', 1, 0, { outcome: 'completed' })).toBe(false);
      const { status } = (await store.get('c2'))!;
      expect(status.waves[0]).toMatchObject({ failed: 1, completed: 0 });
      expect(status.waves[1]).toMatchObject({ cancelled: 1 });
      expect(await store.outcomes('c2', [0, 1, 5])).toEqual([{ outcome: 'failed', code: 'HTTP_STATUS' }, null, { outcome: 'cancelled' }]);
      expect([...(await store.allOutcomes('c2'))].sort()).toEqual([
        [0, { outcome: 'failed', code: 'HTTP_STATUS' }],
        [5, { outcome: 'cancelled' }],
      ]);
    });

    it('transitions only from the state and wave the caller saw', async () => {
      const store = open();
      await store.create(spec('c3', 10), devices(10));
      expect(await store.transition('c3', { state: 'running', wave: 0 }, { wave: 1 })).toBe(true);
      expect(await store.transition('c3', { state: 'running', wave: 0 }, { wave: 1 })).toBe(false);
      const halt = { wave: 1, failureRatio: 0.5, failed: 1, finished: 2, early: true };
      expect(await store.transition('c3', { state: 'running', wave: 1 }, { state: 'halted', finishedAt: 1234, halt })).toBe(true);
      expect(await store.transition('c3', { state: 'running', wave: 1 }, { state: 'completed' })).toBe(false);
      expect((await store.get('c3'))!.status).toMatchObject({ state: 'halted', wave: 1, finishedAt: 1234, halt });
    });

    it('keeps the highest released count of a wave and its first release time', async () => {
      const store = open();
      await store.create(spec('c4', 100), devices(100));
      await store.markReleased('c4', 1, 40, 1000);
      await store.markReleased('c4', 1, 20, 2000);
      await store.markWaveFinished('c4', 1, 3000);
      await store.markWaveFinished('c4', 1, 4000);
      expect((await store.get('c4'))!.status.waves[1]).toMatchObject({ released: 40, releasedAt: 1000, finishedAt: 3000 });
    });

    it('lists newest first with a total; a settled campaign leaves the unsettled set', async () => {
      const store = open();
      await store.create(spec('old', 1, 1000), devices(1));
      await store.create(spec('new', 1, 2000), devices(1));
      expect(await store.list(0, 10)).toEqual({ total: 2, ids: ['new', 'old'] });
      expect(await store.list(1, 10)).toEqual({ total: 2, ids: ['old'] });
      await store.settle('old', 60_000);
      expect(await store.unsettled()).toEqual(['new']);
      expect((await store.get('old'))!.status.settled).toBe(true);
    });

    it('keeps firmware credentials apart from the campaign: stored once, never in its record, gone when it settles', async () => {
      const store = open();
      const headers: Array<[string, string]> = [['authorization', 'Basic czNjcmV0']];
      expect(await store.putCredentials('c5', headers)).toBe(true);
      expect(await store.putCredentials('c5', [['authorization', 'Basic b3RoZXI=']])).toBe(false);
      await store.create({ ...spec('c5', 1), credentials: true }, devices(1));
      expect(await store.credentials('c5')).toEqual(headers);
      expect(JSON.stringify(await store.get('c5'))).not.toContain('czNjcmV0');
      await store.settle('c5', 60_000);
      expect(await store.credentials('c5')).toBeNull();
      expect(await store.putCredentials('c6', headers)).toBe(true);
      await store.deleteCredentials('c6');
      expect(await store.credentials('c6')).toBeNull();
    });
  });
}

describeStore('memory', () => new MemoryCampaignStore());
describeStore('redis', () => new RedisCampaignStore({ redisUrl: redis.url, prefix: `courier-test-${randomUUID()}`, queueName: 'jobs' }));
// On a 3-master cluster every script and MULTI must stay in one slot, or the cluster refuses it.
describeStore('redis cluster', () =>
  new RedisCampaignStore({
    redisUrl: `redis://${cluster.nodes[0]}`,
    clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    prefix: `courier-test-${randomUUID()}`,
    queueName: 'jobs',
  }),
);

describe('redis campaign store: retention', () => {
  it('gives a settled campaign’s keys a TTL, and a list drops it from the index once they are gone', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    const store = new RedisCampaignStore({ redisUrl: redis.url, prefix, queueName: 'jobs' });
    onTestFinished(() => store.close());
    const raw = new Redis(redis.url);
    onTestFinished(async () => {
      await raw.quit();
    });
    await store.create(spec('gone', 3), devices(3));
    await store.recordOutcome('gone', 0, 0, { outcome: 'completed' });
    await store.settle('gone', 60_000);
    const base = `${prefix}:jobs:campaigns:gone`;
    for (const key of [base, `${base}:devices`, `${base}:outcomes`]) {
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // What the TTL would do, now: the index entry is dropped by the next list.
    await raw.del(base, `${base}:devices`, `${base}:outcomes`);
    expect(await store.list(0, 10)).toEqual({ total: 0, ids: [] });
    expect(await raw.zcard(`${prefix}:jobs:campaigns:index`)).toBe(0);
  });

  it('answers QUEUE_UNAVAILABLE when Redis does not answer', async () => {
    const store = new RedisCampaignStore({ redisUrl: 'redis://127.0.0.1:9', prefix: 'p', queueName: 'q', commandTimeoutMs: 500 });
    onTestFinished(() => store.close());
    await expect(store.get('x')).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });
});
