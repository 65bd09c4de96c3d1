/**
 * Batch jobs on Redis, beyond the driver contract: how requests sit in BullMQ (one queue job per
 * batch, the requests in their own hashes), what a batch job's id answers, and how long a
 * finished request is kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { QueueEvent } from '../driver.ts';
import { forThisTest, startHttpFixture } from '../../../../../test/fixtures/index.ts';
import { createClient } from '@courier/origin';
import { until, useTestRedis } from '../../testing/test-redis.ts';
import { startWorker, type StartWorkerOptions } from '../start-worker.ts';
import { BullmqDriver } from './bullmq-driver.ts';

const redis = useTestRedis();

async function setup(batch: { maxJobs: number }) {
  const prefix = redis.prefix();
  const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix, batch, retention: { completedAgeMs: 120_000 } });
  onTestFinished(() => driver.close());
  const bull = new Queue('jobs', { connection: redis.conn.duplicate(), prefix });
  onTestFinished(() => bull.close());
  return { prefix, driver, bull };
}

/** A worker on `driver` for the running test (its own client and results directory, the suite's BullMQ test timings), closed after it. */
async function work(driver: BullmqDriver, options: Partial<StartWorkerOptions> & { concurrency: number }, policy?: Parameters<typeof createClient>[0]): Promise<void> {
  const client = createClient(policy);
  onTestFinished(() => client.destroy());
  const resultsDir = await mkdtemp(join(tmpdir(), 'courier-batch-'));
  onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
  const worker = startWorker({ queue: driver, client, resultsDir, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2, ...options });
  onTestFinished(() => worker.close(0));
}

describe('batch jobs on Redis', () => {
  it('one BullMQ job per batch (`batch.` ids), the requests each in a hash of their own; a batch id is no request', async () => {
    const { prefix, driver, bull } = await setup({ maxJobs: 5 });
    const ids = await driver.enqueue(
      Array.from({ length: 12 }, (_, i) => ({ url: `http://127.0.0.1:9/x?i=${i}` })),
      undefined,
      { batch: true },
    );
    const waiting = await bull.getWaiting();
    expect(waiting.map((j) => j.name)).toEqual(['batch', 'batch', 'batch']);
    for (const job of waiting) expect(job.id).toMatch(/^batch\.[A-Za-z0-9_-]{20}$/);
    expect(waiting.flatMap((j) => (j.data as { members: string[] }).members).sort()).toEqual(ids.map((r) => r.id).sort());
    expect(await driver.counts()).toMatchObject({ waiting: 3 });
    for (const r of ids) expect(await redis.conn.hget(`${prefix}:jobs:${r.id}`, 'state')).toBe('waiting');
    const batchId = waiting[0]!.id!;
    expect(await driver.get(batchId)).toBeNull();
    expect(await driver.wait(batchId, 10)).toBeNull();
    expect(await driver.cancel(batchId)).toBe(false);
    expect(await driver.retry(batchId)).toBe(false);
  });

  it('keeps a finished request for the retention age', async () => {
    const { prefix, driver } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    await work(driver, { concurrency: 2 });
    const [job] = await driver.enqueue([{ url: `${fixture.url}/hello` }], undefined, { batch: true });
    expect(await driver.wait(job!.id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200 } });
    const ttl = await redis.conn.pttl(`${prefix}:jobs:${job!.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it("a request whose stored record is not Courier's fails alone as BAD_JOB; its batch-mate completes", async () => {
    const { prefix, driver } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    const [bad, good] = await driver.enqueue([{ url: `${fixture.url}/hello?n=1` }, { url: `${fixture.url}/hello?n=2` }], { delayMs: 200 }, { batch: true });
    await redis.conn.hset(`${prefix}:jobs:${bad!.id}`, 'data', JSON.stringify({ written: 'by someone else' }));
    await work(driver, { concurrency: 2 });
    expect(await driver.wait(good!.id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200 } });
    expect(await driver.wait(bad!.id, 30_000)).toMatchObject({ state: 'failed', error: { code: 'BAD_JOB' } });
    expect(fixture.requestLog.map((r) => r.path)).toEqual(['/hello?n=2']);
  });

  it('one stream entry for many requests, yet an `active` and a `completed` event (with its result) per request; the queue room of all of them back', async () => {
    const { prefix, driver } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    const latch = fixture.hold('/held');
    fixture.route('/held', (_req, res) => res.end('released'));
    const events: QueueEvent[] = [];
    onTestFinished(driver.subscribe((event) => events.push(event)));
    const jobs = await driver.enqueue(Array.from({ length: 20 }, (_, i) => ({ url: `${fixture.url}/held?i=${i}` })), undefined, { batch: true });
    const ids = jobs.map((j) => j.id);
    const before = await redis.conn.xlen(`${prefix}:jobs:events`);
    await work(driver, { concurrency: 20 }, { policy: { connections: 20 } });
    // All twenty in flight at once, then released together: their outcomes are recorded in few calls.
    await latch.waitForArrivals(20);
    latch.release();
    for (const id of ids) expect(await driver.wait(id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200 } });
    await until(() => ids.every((id) => events.some((e) => e.type === 'completed' && e.id === id)), 'a completed event per request');
    for (const id of ids) {
      expect(events.filter((e) => e.type === 'active' && e.id === id), `active events of ${id}`).toHaveLength(1);
      expect(events.filter((e) => e.type === 'completed' && e.id === id), `completed events of ${id}`).toHaveLength(1);
      expect(events.find((e) => e.type === 'completed' && e.id === id)).toMatchObject({ result: { kind: 'request', status: 200 } });
    }
    // BullMQ's own entries for the one batch job (added, waiting, active, completed, ...) plus the
    // requests' grouped ones: far fewer than the 40 a plain job per request would add for these two alone.
    expect((await redis.conn.xlen(`${prefix}:jobs:events`)) - before).toBeLessThan(20);
    expect(await redis.conn.hlen(`${prefix}:jobs:depth:jobs`)).toBe(0);
    expect(await redis.conn.get(`${prefix}:jobs:depth:bytes`)).toBe('0');
  });

  it('a batch request reads `active` from the moment a worker takes its batch job, before its own request starts; a cancel then stops it before it reaches its origin', async () => {
    const { driver } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    const held = fixture.hold('/hello');
    // Two slots for the origin: two requests run, the other eight wait in the batch for a slot.
    await work(driver, { concurrency: 4, originLimits: { default: { concurrency: 2 } } });
    const ids = (await driver.enqueue(Array.from({ length: 10 }, (_, i) => ({ url: `${fixture.url}/hello?n=${i}` })), undefined, { batch: true })).map((r) => r.id);
    await held.waitForArrivals(2);
    const states = await Promise.all(ids.map(async (id) => (await driver.get(id))!.state));
    // All ten: the two at the origin and the eight no request was sent for yet.
    expect(states).toEqual(Array(10).fill('active'));
    const started = new Set(fixture.requestLog.map((r) => r.path));
    const notStarted = ids.filter((_, i) => !started.has(`/hello?n=${i}`));
    expect(notStarted).toHaveLength(8);
    for (const id of notStarted) expect(await driver.cancel(id)).toBe(true);
    held.release();
    for (const id of ids) expect((await driver.wait(id, 30_000))!.state).toBe(notStarted.includes(id) ? 'cancelled' : 'completed');
    expect(fixture.requestLog).toHaveLength(2);
  });

  it('a request outcome Redis refuses to record does not end the worker: the batch job runs again after its backoff and the slot is given back', async () => {
    const { prefix, driver } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    const held = fixture.hold('/hello');
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_obj: object, msg?: string) => void errors.push(msg ?? '') };
    // One slot for the origin: the next request runs only if the failed lane gave it back.
    await work(driver, { concurrency: 2, logger, originLimits: { default: { concurrency: 1 } } });
    const [broken] = await driver.enqueue([{ url: `${fixture.url}/hello?n=1` }], undefined, { batch: true });
    await held.waitForArrivals(1);
    // Its record turns into a string while its request runs: recording the outcome fails in
    // Redis (WRONGTYPE), as any Redis error there would (OOM, a cluster that stays down).
    await redis.conn.del(`${prefix}:jobs:${broken!.id}`);
    await redis.conn.set(`${prefix}:jobs:${broken!.id}`, 'not a record');
    held.release();
    const [next] = await driver.enqueue([{ url: `${fixture.url}/hello?n=2` }], undefined, { batch: true });
    expect(await driver.wait(next!.id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200 } });
    expect(errors).toContain('batch job: recording an outcome failed; the batch job runs again after its backoff');
  });

  it('a request whose batch job was never added (an enqueue that failed half-way) is added again when its key is sent again, and runs', async () => {
    const { driver, bull } = await setup({ maxJobs: 100 });
    const fixture = await forThisTest(startHttpFixture());
    const job = { url: `${fixture.url}/hello?n=1` };
    const [first] = await driver.enqueue([job], { idempotencyKey: 'half-way' }, { batch: true });
    // What an enqueue leaves when Redis goes away after storing the requests and before adding
    // their batch job (and before it could take them back): the request, and no batch job.
    const [batchJob] = await bull.getWaiting();
    await bull.remove(batchJob!.id!);
    expect(await driver.get(first!.id)).toMatchObject({ state: 'waiting' });

    // The producer sends the key again (its first enqueue failed): a new request, not a duplicate of one that would never run.
    const [again] = await driver.enqueue([job], { idempotencyKey: 'half-way' }, { batch: true });
    expect(again).toEqual({ id: first!.id, duplicate: false });
    expect(await bull.getWaitingCount()).toBe(1);
    // Sent a third time, it is a duplicate: its batch job exists.
    expect(await driver.enqueue([job], { idempotencyKey: 'half-way' }, { batch: true })).toEqual([{ id: first!.id, duplicate: true }]);

    await work(driver, { concurrency: 2 });
    expect(await driver.wait(first!.id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200 } });
    expect(fixture.requestLog.map((r) => r.path)).toEqual(['/hello?n=1']);
  });
});
