import { describe, expect, it } from 'vitest';
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
        expect(slot).toBe(keySlot(`${p}:limits:http://a.test:leases`));
        expect(slot).toBeGreaterThanOrEqual(Math.floor((i * CLUSTER_SLOTS) / n));
        expect(slot).toBeLessThan(Math.floor(((i + 1) * CLUSTER_SLOTS) / n));
      });
    }
    expect(shardPrefixes('{courier}', 2, true)).toEqual(shardPrefixes('courier', 2, true));
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
