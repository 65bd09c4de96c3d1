import { describe, expect, it } from 'vitest';
import { limitKeys } from '../../redis/redis-limit-store.ts';
import { depthLedgerKeys } from '../bullmq/depth-ledger.ts';
import { courierKeys } from '../bullmq/queue-keys.ts';
import { CLUSTER_SLOTS, keySlot, shardOf, shardPrefixes } from './shard-routing.ts';

describe('shard routing', () => {
  it("computes Redis Cluster's key slot (hash tags included)", () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(keySlot('123456789')).toBe(12_739);
    expect(keySlot('foo')).toBe(12_182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // An empty tag does not count: the whole key is hashed.
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('keeps the plain prefix for one shard on a single Redis, and tags each shard into its own slot range otherwise', () => {
    expect(shardPrefixes('courier', 1, false)).toEqual(['courier']);
    expect(shardPrefixes('courier', 1, true)).toEqual(['{courier-0}']);
    for (const n of [2, 3, 4, 6]) {
      const prefixes = shardPrefixes('courier', n, true);
      expect(new Set(prefixes).size).toBe(n);
      prefixes.forEach((p, i) => {
        expect(p).toMatch(/^\{courier-\d+(\.\d+)?\}$/);
        const slot = keySlot(`${p}:jobs:wait`);
        expect(slot).toBe(keySlot(courierKeys(p, 'jobs').secrets('job-1')));
        expect(slot).toBe(keySlot(depthLedgerKeys(p, 'jobs').ledger));
        expect(slot).toBeGreaterThanOrEqual(Math.floor((i * CLUSTER_SLOTS) / n));
        expect(slot).toBeLessThan(Math.floor(((i + 1) * CLUSTER_SLOTS) / n));
      });
    }
    expect(shardPrefixes('{courier}', 2, true)).toEqual(shardPrefixes('courier', 2, true));
  });

  it("tags an origin's limit keys and parked list by origin on a cluster, and keeps today's keys on a single Redis", () => {
    const origin = 'http://a.test:8080';
    const [shard] = shardPrefixes('courier', 3, true);
    const keys = limitKeys(shard!, origin);
    const slots = new Set([keys.leases, keys.rate, keys.parked, courierKeys(shard!, 'jobs').parked(origin)].map(keySlot));
    expect([...slots]).toEqual([keySlot(`{o:${origin}}`)]);
    expect(limitKeys('courier', origin)).toEqual({ leases: `courier:limits:${origin}:leases`, rate: `courier:limits:${origin}:rate`, parked: `courier:limits:${origin}:parked` });
    expect(courierKeys('courier', 'jobs').parked(origin)).toBe(`courier:jobs:parked:${origin}`);
  });

  it('sends an origin to the same shard every time, and spreads origins over the shards', () => {
    const origins = Array.from({ length: 300 }, (_, i) => `http://127.0.0.1:${20_000 + i}`);
    const counts = [0, 0, 0];
    for (const o of origins) {
      expect(shardOf(o, 3)).toBe(shardOf(o, 3));
      counts[shardOf(o, 3)]! += 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(60);
    expect(shardOf('http://a.test', 1)).toBe(0);
  });
});
