/**
 * The per-origin limit semantics, run against both stores: the Redis scripts on a real
 * redis-server (fleet-wide) and the in-memory store (memory driver).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { OriginLimit } from '../lib/limits/limits-config.ts';
import type { LimitStore } from '../lib/limits/limit-store.ts';
import { MemoryLimitStore } from '../lib/limits/memory-limit-store.ts';
import { until, useTestRedis } from '../testing/test-redis.ts';
import { RedisLimitStore, limitKeys } from './redis-limit-store.ts';
import { scripts } from './script-loader.ts';

const redis = useTestRedis();

const origin = 'http://127.0.0.1:8080';
const limit = (l: Partial<OriginLimit>): OriginLimit => ({ concurrency: 0, rps: 0, burst: 1, ...l });

const stores: Array<[string, () => LimitStore]> = [
  ['memory', () => new MemoryLimitStore()],
  [
    'redis',
    () => {
      const prefix = redis.prefix();
      return new RedisLimitStore(redis.conn, prefix);
    },
  ],
];

describe.each(stores)('per-origin limits: %s store', (_name, makeStore) => {
  it('hands out at most `concurrency` leases; a release gives one back; a wrong token releases nothing', async () => {
    const store = makeStore();
    const a = await store.acquire(origin, limit({ concurrency: 2 }), 'a', 60_000);
    const b = await store.acquire(origin, limit({ concurrency: 2 }), 'b', 60_000);
    expect(a).toMatchObject({ ok: true, lease: { origin, token: 'a' } });
    expect(b.ok).toBe(true);
    expect(await store.acquire(origin, limit({ concurrency: 2 }), 'c', 60_000)).toEqual({ ok: false, reason: 'concurrency', retryInMs: 0 });
    // Other origins are not affected.
    expect((await store.acquire('http://127.0.0.1:9090', limit({ concurrency: 2 }), 'd', 60_000)).ok).toBe(true);
    await store.release({ origin, token: 'not-mine' });
    expect((await store.acquire(origin, limit({ concurrency: 2 }), 'c', 60_000)).ok).toBe(false);
    await store.release({ origin, token: 'a' });
    expect((await store.acquire(origin, limit({ concurrency: 2 }), 'c', 60_000)).ok).toBe(true);
  });

  it('acquire-many takes up to k slots in one call and never past the limit; none free → refused', async () => {
    const store = makeStore();
    const three = limit({ concurrency: 3 });
    expect((await store.acquire(origin, three, 'single', 60_000)).ok).toBe(true);
    const many = await store.acquireMany(origin, three, 'batch', 5, 60_000);
    expect(many).toMatchObject({ ok: true, granted: 2 });
    if (!many.ok) throw new Error('expected slots');
    expect(many.leases.map((l) => l.token)).toEqual(['batch#1', 'batch#2']);
    expect(await store.acquireMany(origin, three, 'more', 1, 60_000)).toEqual({ ok: false, reason: 'concurrency', retryInMs: 0 });
    expect((await store.acquire(origin, three, 'single-2', 60_000)).ok).toBe(false);
    // Each lease is released on its own.
    await store.release(many.leases[0]!);
    expect(await store.acquireMany(origin, three, 'again', 4, 60_000)).toMatchObject({ ok: true, granted: 1 });
    // Without a concurrency limit: rate tokens only, no leases; a burst of 2 grants 2 of 5.
    const rated = await store.acquireMany('http://127.0.0.1:7070', limit({ rps: 0.5, burst: 2 }), 'r', 5, 60_000);
    expect(rated).toEqual({ ok: true, granted: 2, leases: [] });
    expect(await store.acquireMany('http://127.0.0.1:7070', limit({ rps: 0.5, burst: 2 }), 'r2', 1, 60_000)).toMatchObject({ ok: false, reason: 'rate' });
  });

  it("a lease that is not renewed expires: a killed worker's slot comes back, and its renew fails", async () => {
    const store = makeStore();
    expect((await store.acquire(origin, limit({ concurrency: 1 }), 'dead', 150)).ok).toBe(true);
    expect((await store.acquire(origin, limit({ concurrency: 1 }), 'live', 60_000)).ok).toBe(false);
    await until(async () => (await store.acquire(origin, limit({ concurrency: 1 }), 'live', 60_000)).ok, 'the expired lease to be reclaimed', 20_000, 20);
    expect(await store.renew([{ origin, token: 'dead' }], 60_000)).toEqual([{ origin, token: 'dead' }]);
    expect(await store.renew([{ origin, token: 'live' }], 60_000)).toEqual([]);
  });

  it('limits the rate (GCRA): a burst, then one request per interval', async () => {
    const store = makeStore();
    // 0.5 rps = one every 2 s: the calls below come well inside one interval.
    const r = limit({ rps: 0.5, burst: 2 });
    expect(await store.acquire(origin, r, 't1', 60_000)).toEqual({ ok: true, lease: null });
    expect((await store.acquire(origin, r, 't2', 60_000)).ok).toBe(true);
    const third = await store.acquire(origin, r, 't3', 60_000);
    expect(third).toMatchObject({ ok: false, reason: 'rate' });
    expect(third.ok === false && third.retryInMs > 0 && third.retryInMs <= 2_000).toBe(true);
  });

  it('takes both a slot and a rate token, or neither', async () => {
    const store = makeStore();
    const both = limit({ concurrency: 5, rps: 0.5, burst: 1 });
    expect((await store.acquire(origin, both, 'x1', 60_000)).ok).toBe(true);
    expect(await store.acquire(origin, both, 'x2', 60_000)).toMatchObject({ ok: false, reason: 'rate' });
    // The refused call took no slot: four more fit once rate allows (checked by concurrency alone).
    for (const t of ['y1', 'y2', 'y3', 'y4']) expect((await store.acquire(origin, limit({ concurrency: 5 }), t, 60_000)).ok).toBe(true);
    expect((await store.acquire(origin, limit({ concurrency: 5 }), 'y5', 60_000)).ok).toBe(false);
  });
});

describe('Redis limit scripts', () => {
  it('renewing moves the expiry forward in Redis time; the key lives as long as its last lease', async () => {
    const prefix = redis.prefix();
    const store = new RedisLimitStore(redis.conn, prefix);
    const keys = limitKeys(prefix, origin);
    await store.acquire(origin, limit({ concurrency: 1 }), 'a', 60_000);
    const before = Number(await redis.conn.zscore(keys.leases, 'a'));
    await store.renew([{ origin, token: 'a' }], 120_000);
    const after = Number(await redis.conn.zscore(keys.leases, 'a'));
    expect(after - before).toBeGreaterThanOrEqual(59_000);
    expect(await redis.conn.pttl(keys.leases)).toBeGreaterThan(60_000);
    await store.release({ origin, token: 'a' });
    expect(await redis.conn.exists(keys.leases)).toBe(0);
  });

  it('a release pops the oldest job parked on the origin in the same script; null when none is parked', async () => {
    const prefix = redis.prefix();
    const parkedKey = (o: string) => `${prefix}:q:parked:${o}`;
    const store = new RedisLimitStore(redis.conn, prefix, parkedKey);
    await store.acquire(origin, limit({ concurrency: 2 }), 'a', 60_000);
    await store.acquire(origin, limit({ concurrency: 2 }), 'b', 60_000);
    expect(await store.release({ origin, token: 'a' })).toBeNull();
    await redis.conn.rpush(parkedKey(origin), 'job-1', 'job-2');
    expect(await store.release({ origin, token: 'b' })).toBe('job-1');
    // A lease that is gone still pops: the parked job may wait on a slot that expired.
    expect(await store.release({ origin, token: 'gone' })).toBe('job-2');
    expect(await redis.conn.exists(parkedKey(origin), limitKeys(prefix, origin).leases)).toBe(0);
  });

  it('registers every script as courier:queue:<name>:<content hash>', async () => {
    const names = scripts.map((s) => s.command);
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^courier:queue:acquireSlot:[0-9a-f]{12}$/), expect.stringMatching(/^courier:queue:renewLease:/), expect.stringMatching(/^courier:queue:releaseLease:/), expect.stringMatching(/^courier:queue:takeToken:/)]));
    const probe = new Redis(redis.url);
    try {
      await new RedisLimitStore(probe, `courier-test-${randomUUID()}`).acquire(origin, limit({ concurrency: 1 }), 'p', 1_000);
      for (const name of names) expect(typeof (probe as unknown as Record<string, unknown>)[name]).toBe('function');
    } finally {
      probe.disconnect();
    }
  });

  it('each script file documents its KEYS and ARGV with units and its Output, and its name carries its key count', () => {
    const dir = new URL('./commands/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
      const lua = readFileSync(new URL(file, dir), 'utf8');
      const declared = Number(/-(\d+)\.lua$/.exec(file)![1]);
      const used = Math.max(0, ...[...lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect(used, file).toBe(declared);
      expect(lua, file).toMatch(/Input:/);
      expect(lua, file).toMatch(/Output/);
      for (let i = 1; i <= declared; i += 1) expect(lua, file).toMatch(new RegExp(`KEYS\\[${i}\\] \\S`));
      if (/ARGV\[/.test(lua)) expect(lua, file).toMatch(/milliseconds|requests|slots|token|JSON/);
    }
  });
});
