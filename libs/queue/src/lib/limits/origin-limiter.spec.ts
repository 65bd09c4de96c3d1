/**
 * A finished job's slot lingers with its worker for the next job to the same origin (no Redis
 * round trip), on a real redis-server: the fleet-wide count never goes past the limit, a full
 * origin's slots go back at once, and lingering slots go back by themselves and on close.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { RedisLimitStore, limitKeys } from '../../redis/redis-limit-store.ts';
import { until, useTestRedis } from '../../testing/test-redis.ts';
import type { Lease } from './limit-store.ts';
import type { OriginLimitsConfig } from './limits-config.ts';
import { OriginLimiter } from './origin-limiter.ts';

const redis = useTestRedis();

const url = 'http://127.0.0.1:8080/x';
const origin = 'http://127.0.0.1:8080';

function setup(config: OriginLimitsConfig) {
  const prefix = redis.prefix();
  const store = new RedisLimitStore(redis.conn, prefix);
  const released: string[] = [];
  const limiter = new OriginLimiter(store, config, 'w1', undefined, (o) => released.push(o));
  onTestFinished(() => limiter.close());
  const leasesInRedis = () => redis.conn.zcard(limitKeys(prefix, origin).leases);
  // The store's own parked list (no queue given): what a release pops.
  const parkedKey = `${prefix}:limits:${origin}:parked`;
  return { limiter, store, released, leasesInRedis, parkedKey };
}

/** Two leases of the test origin, which must both be granted. */
async function acquireTwo(limiter: OriginLimiter): Promise<[Lease | null, Lease | null]> {
  const a = await limiter.acquire(url);
  const b = await limiter.acquire(url);
  if (!a.ok || !b.ok) throw new Error('expected two leases');
  return [a.lease, b.lease];
}

describe('OriginLimiter lease reuse', () => {
  it('hands a released slot to the next job for a busy origin without giving it back', async () => {
    const { limiter, released, leasesInRedis } = setup({ default: { concurrency: 3 }, leaseLingerMs: 60_000 });
    const first = await limiter.acquire(url);
    // Jobs to the origin back to back (well within the linger time): its slots are worth keeping.
    const other = await limiter.acquire(url);
    if (!first.ok || !first.lease || !other.ok) throw new Error('expected two leases');
    await limiter.release(first.lease);
    expect(limiter.lingering).toBe(1);
    expect(await leasesInRedis()).toBe(2);
    // Taken synchronously by `reuse`, or through `acquire`: the same lease either way.
    expect(limiter.reuse(url)).toBe(first.lease);
    expect(limiter.reuse(url)).toBeNull();
    await limiter.release(first.lease);
    const second = await limiter.acquire(url);
    expect(second).toEqual({ ok: true, lease: first.lease });
    expect(await leasesInRedis()).toBe(2);
    expect(released).toEqual([]);
    await limiter.release(second.ok ? second.lease : null);
    await limiter.release(other.lease);
    await limiter.close();
    expect(await leasesInRedis()).toBe(0);
    expect(released).toEqual([origin, origin]);
  });

  it('gives lingering slots back once their linger time is over', async () => {
    const { limiter, released, leasesInRedis } = setup({ default: { concurrency: 3 }, leaseLingerMs: 50 });
    const [a, b] = await acquireTwo(limiter);
    await limiter.release(a);
    await limiter.release(b);
    await until(async () => (await leasesInRedis()) === 0, 'no lease left in Redis', 20_000, 20);
    expect(limiter.held).toBe(0);
    expect(released).toEqual([origin, origin]);
  });

  it('gives a slot back at once when jobs were parked on the origin, and every slot of an origin that refused a job', async () => {
    const { limiter, released, leasesInRedis, parkedKey } = setup({ default: { concurrency: 4 }, leaseLingerMs: 60_000 });
    const a = await limiter.acquire(url);
    await redis.conn.rpush(parkedKey, 'job-1');
    const b = await limiter.acquire(url);
    if (!a.ok || !b.ok) throw new Error('expected two leases');
    // A job waited for the origin when b was granted: b goes back for real (and pops that job).
    await limiter.release(b.lease);
    expect(limiter.lingering).toBe(0);
    expect(await leasesInRedis()).toBe(1);
    expect(released).toEqual([origin]);
    const rest = [await limiter.acquire(url), await limiter.acquire(url), await limiter.acquire(url)];
    expect(rest.every((r) => r.ok)).toBe(true);
    const refused = await limiter.acquire(url);
    expect(refused).toMatchObject({ ok: false, reason: 'concurrency', origin });
    // The origin refused a job here: a, granted while nobody waited, goes back at once too.
    await limiter.release(a.lease);
    expect(limiter.lingering).toBe(0);
    expect(await leasesInRedis()).toBe(3);
    for (const r of rest) await limiter.release(r.ok ? r.lease : null);
    expect(await leasesInRedis()).toBe(0);
  });

  it('keeps no slot of an origin another worker held a lease on', async () => {
    const { limiter, store, leasesInRedis } = setup({ default: { concurrency: 4 }, leaseLingerMs: 60_000 });
    const elsewhere = new OriginLimiter(store, { default: { concurrency: 4 }, leaseLingerMs: 60_000 }, 'w2');
    onTestFinished(() => elsewhere.close());
    const theirs = await elsewhere.acquire(url);
    const a = await limiter.acquire(url);
    const b = await limiter.acquire(url);
    if (!theirs.ok || !a.ok || !b.ok) throw new Error('expected three leases');
    await limiter.release(a.lease);
    await limiter.release(b.lease);
    expect(limiter.lingering).toBe(0);
    expect(await leasesInRedis()).toBe(1);
    await elsewhere.release(theirs.lease);
  });

  it('gives kept slots back at once, and keeps none, once a job was parked on the origin anywhere', async () => {
    const { limiter, released, leasesInRedis } = setup({ default: { concurrency: 4 }, leaseLingerMs: 60_000 });
    const [a, b] = await acquireTwo(limiter);
    await limiter.release(a);
    expect(limiter.lingering).toBe(1);
    // What a worker does when another one parks a job on the origin (the parking channel).
    limiter.contended(origin);
    expect(limiter.lingering).toBe(0);
    await until(async () => (await leasesInRedis()) === 1, 'one lease left in Redis', 20_000, 20);
    expect(released).toEqual([origin]);
    await limiter.release(b);
    expect(limiter.lingering).toBe(0);
    expect(await leasesInRedis()).toBe(0);
  });

  it('never keeps a slot for an origin this worker does not start jobs for back to back, with a rate limit, or with leaseLingerMs 0', async () => {
    const lone = setup({ default: { concurrency: 3 }, leaseLingerMs: 20 });
    // The limiter's clock is performance.now(): step it past the linger time instead of sleeping
    // (a sleep proves nothing on a machine slow enough to take that long between two acquires anyway).
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const slot = await lone.limiter.acquire(url);
    if (!slot.ok) throw new Error('expected a lease');
    vi.advanceTimersByTime(40);
    const later = await lone.limiter.acquire(url);
    if (!later.ok) throw new Error('expected a lease');
    await lone.limiter.release(later.lease);
    await lone.limiter.release(slot.lease);
    expect(lone.limiter.lingering).toBe(0);
    expect(await lone.leasesInRedis()).toBe(0);
    for (const config of [{ default: { concurrency: 3, rps: 1000, burst: 10 }, leaseLingerMs: 60_000 }, { default: { concurrency: 3 }, leaseLingerMs: 0 }]) {
      const { limiter, leasesInRedis } = setup(config);
      const [a, b] = await acquireTwo(limiter);
      await limiter.release(a);
      await limiter.release(b);
      expect(limiter.lingering).toBe(0);
      expect(await leasesInRedis()).toBe(0);
    }
  });
});

describe('OriginLimiter origins', () => {
  it('counts every URL of one origin against that origin, whatever its path, query or spelling', async () => {
    const { limiter, leasesInRedis } = setup({ default: { concurrency: 3 }, leaseLingerMs: 0 });
    const urls = ['http://127.0.0.1:8080/a?b=/c', 'http://127.0.0.1:8080/', 'HTTP://127.0.0.1:8080/x#y'];
    const slots = [];
    for (const u of urls) slots.push(await limiter.acquire(u));
    expect(slots.every((s) => s.ok)).toBe(true);
    expect(await leasesInRedis()).toBe(3);
    expect(await limiter.acquire('http://127.0.0.1:8080/full')).toMatchObject({ ok: false, reason: 'concurrency', origin });
    // Another origin is not held back.
    expect(await limiter.acquire('http://127.0.0.1:8081/')).toMatchObject({ ok: true });
    for (const s of slots) await limiter.release(s.ok ? s.lease : null);
    expect(await leasesInRedis()).toBe(0);
  });
});
