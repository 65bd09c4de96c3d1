import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, until } from '../../../../../test/harness/index.ts';
import { deletePrefix, dumpRedis } from '../../testing/redis-dump.ts';
import { useTestRedis } from '../../testing/test-redis.ts';
import { describeDriver } from '../../testing/describe-driver.ts';
import { BullmqDriver } from './bullmq-driver.ts';
import { depthLedgerKeys } from './depth-ledger.ts';

const redis = useTestRedis();

describeDriver('bullmq', async (options) => {
  const prefix = `courier-test-${randomUUID()}`;
  const driver = await BullmqDriver.create({ ...options, redisUrl: redis.url, prefix });
  onTestFinished(() => deletePrefix(redis.conn, prefix));
  return { driver, dump: () => dumpRedis(redis.conn, prefix) };
});

describe('BullMQ driver: Redis away', () => {
  it('fails fast with QUEUE_UNAVAILABLE while Redis is down, and works again once it is back', async () => {
    const own = await startRedis();
    onTestFinished(() => own.stop());
    const driver = await BullmqDriver.create({ redisUrl: own.url, prefix: `courier-test-${randomUUID()}`, commandTimeoutMs: 2_000 });
    onTestFinished(() => driver.close());
    const [before] = await driver.enqueue([{ url: 'http://127.0.0.1:9/x' }]);
    await own.kill();
    await expect(driver.enqueue([{ url: 'http://127.0.0.1:9/y' }])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await expect(driver.get(before!.id)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await expect(driver.counts()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await own.restart();
    // The producer connection reconnects by itself; the first calls may still see it down.
    let after;
    for (let tries = 0; !after; tries += 1) {
      try {
        [after] = await driver.enqueue([{ url: 'http://127.0.0.1:9/z' }]);
      } catch (error) {
        if (tries > 100 || (error as { code?: string }).code !== 'QUEUE_UNAVAILABLE') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect((await driver.get(after.id))?.state).toBe('waiting');
  });
});

describe('BullMQ driver: a large batch', () => {
  it('stores every job of a batch sent as several add pipelines under its own id, each with its input, and holds room for each', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    onTestFinished(() => deletePrefix(redis.conn, prefix));
    const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix, events: false });
    onTestFinished(() => driver.close());
    // 600 jobs: more than one pipeline of adds; URLs repeat (parsed once per batch); every third keyed.
    const jobs = Array.from({ length: 600 }, (_, i) => ({ url: `http://127.0.0.1:9/item/${i % 7}?n=${i % 3}` }));
    const options = jobs.map((_, i) => (i % 3 === 0 ? { idempotencyKey: `large-${i}` } : {}));
    const results = await driver.enqueue(jobs, options);
    expect(results).toHaveLength(600);
    expect(new Set(results.map((r) => r.id)).size).toBe(600);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const records = await Promise.all(results.map((r) => driver.get(r.id)));
    records.forEach((record, i) => expect(record).toMatchObject({ state: 'waiting', input: { kind: 'request', url: jobs[i]!.url } }));
    expect((await driver.counts()).waiting).toBe(600);
    expect(await redis.conn.hlen(depthLedgerKeys(prefix, 'jobs').ledger)).toBe(600);
    // The keyed ones again: duplicates, nothing added.
    const again = await driver.enqueue(jobs.filter((_, i) => i % 3 === 0), options.filter((_, i) => i % 3 === 0));
    expect(again.every((r) => r.duplicate)).toBe(true);
    expect((await driver.counts()).waiting).toBe(600);
  });
});

describe('BullMQ driver: Redis silent', () => {
  it('fails with QUEUE_UNAVAILABLE while Redis does not answer, and works again once it does', async () => {
    const own = await startRedis();
    onTestFinished(() => own.stop());
    const driver = await BullmqDriver.create({ redisUrl: own.url, prefix: `courier-test-${randomUUID()}`, commandTimeoutMs: 500, events: false });
    onTestFinished(() => driver.close());
    await driver.enqueue([{ url: 'http://127.0.0.1:9/x' }]);
    // Redis holds every client's writes (scripts too) without closing a socket: silent, not away.
    const admin = new Redis(own.url);
    onTestFinished(() => admin.disconnect());
    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    await expect(driver.enqueue([{ url: 'http://127.0.0.1:9/y' }])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await expect(driver.counts()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await admin.call('CLIENT', 'UNPAUSE');
    let after: string | undefined;
    await until(async () => {
      after = (await driver.enqueue([{ url: 'http://127.0.0.1:9/z' }]).catch(() => []))[0]?.id;
      return after !== undefined;
    }, 'the producer to work again once Redis answers');
    expect((await driver.get(after!))?.state).toBe('waiting');
  });
});

describe('BullMQ driver: a record it did not write', () => {
  it('fails a job whose data has no input kind and URL as BAD_JOB, without retrying it, and keeps working', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    onTestFinished(() => deletePrefix(redis.conn, prefix));
    const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix });
    onTestFinished(() => driver.close());
    const handled: string[] = [];
    const worker = driver.startWorker(
      async (job) => {
        handled.push(job.id);
        return { kind: 'request', status: 204, statusText: 'No Content', headers: {}, url: job.input.url, redirects: [], timings: { startedAt: 0, headersMs: 0, totalMs: 0 }, bodyBytes: 0, workerId: 'w' };
      },
      { concurrency: 1, workerId: 'w', originLimits: { default: { concurrency: 0 } } },
    );
    onTestFinished(() => worker.close());
    const raw = new Queue('jobs', { connection: redis.conn, prefix });
    onTestFinished(() => raw.close());
    await raw.add('request', { input: { kind: 'request' } }, { jobId: 'not-ours', attempts: 3 });
    const record = await driver.wait('not-ours', 20_000);
    expect(record).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'BAD_JOB' } });
    expect(handled).toEqual([]);
    const [good] = await driver.enqueue([{ url: 'http://127.0.0.1:9/fine' }]);
    expect((await driver.wait(good!.id, 20_000))?.state).toBe('completed');
  });
});

describe('BullMQ driver: a queue paused through BullMQ', () => {
  // BullMQ 6 has no `paused` list or job state: a paused queue's jobs stay in `wait`.
  it('counts and reads its jobs as waiting, paused or resumed', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    onTestFinished(() => deletePrefix(redis.conn, prefix));
    const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix });
    onTestFinished(() => driver.close());
    const raw = new Queue('jobs', { connection: redis.conn, prefix });
    onTestFinished(() => raw.close());
    await raw.pause();
    const [job] = await driver.enqueue([{ url: 'http://127.0.0.1:9/a' }, { url: 'http://127.0.0.1:9/b' }]);
    expect(await driver.counts()).toMatchObject({ waiting: 2, active: 0, delayed: 0 });
    expect((await driver.get(job!.id))?.state).toBe('waiting');
    await raw.resume();
    expect(await driver.counts()).toMatchObject({ waiting: 2 });
  });
});

describe('BullMQ driver: the depth ledger', () => {
  it('drops the entry of a job whose release was lost once the queue is full, but keeps a fresh reservation', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    onTestFinished(() => deletePrefix(redis.conn, prefix));
    const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix, maxDepth: 2 });
    onTestFinished(() => driver.close());
    const keys = depthLedgerKeys(prefix, 'jobs');
    // A job that vanished long ago without a release (its worker died), and one a producer
    // reserved just now and is about to add.
    await redis.conn.hset(keys.ledger, 'lost', '5000:1', 'fresh', `7000:${Date.now()}`);
    await redis.conn.set(keys.bytes, 12_000);
    const [job] = await driver.enqueue([{ url: 'http://127.0.0.1:9/a' }], { delayMs: 60_000 });
    expect((await redis.conn.hkeys(keys.ledger)).sort()).toEqual(['fresh', job!.id].sort());
    expect(Number(await redis.conn.get(keys.bytes))).toBe(7000 + Number((await redis.conn.hget(keys.ledger, job!.id))!.split(':')[0]));
    await expect(driver.enqueue([{ url: 'http://127.0.0.1:9/b' }])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('sweeps at most once per interval, so a flood of refusals stays cheap for Redis', async () => {
    const prefix = `courier-test-${randomUUID()}`;
    onTestFinished(() => deletePrefix(redis.conn, prefix));
    const driver = await BullmqDriver.create({ redisUrl: redis.url, prefix, maxDepth: 1 });
    onTestFinished(() => driver.close());
    const keys = depthLedgerKeys(prefix, 'jobs');
    await redis.conn.hset(keys.ledger, 'lost', '5000:1');
    await redis.conn.set(keys.bytes, 5000);
    // A sweep ran just now: the stale entry is not looked at yet, and the enqueue is refused.
    await redis.conn.hset(keys.sweep, 'cursor', '0', 'at', Date.now() + 60_000);
    await expect(driver.enqueue([{ url: 'http://127.0.0.1:9/a' }])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await redis.conn.hexists(keys.ledger, 'lost')).toBe(1);
    // Once the interval has passed, the next refusal-to-be sweeps and the job fits.
    await redis.conn.hset(keys.sweep, 'at', 0);
    await driver.enqueue([{ url: 'http://127.0.0.1:9/a' }]);
    expect(await redis.conn.hexists(keys.ledger, 'lost')).toBe(0);
  });
});
