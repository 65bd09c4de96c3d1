/**
 * The queue driver contract, as tests: ONE suite, run against every driver (BullMQ's
 * adapter-conformance habit). `memory-driver.spec.ts` and `bullmq-driver.spec.ts` call it; the
 * BullMQ one on a real redis-server from the test harness. Traffic goes only to loopback fixture
 * origins each test starts itself.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CourierError, createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
// Test support (excluded from the build): the shared fixtures by path, through their index file
// (the one path eslint.config.js allows src/testing/ to reach outside its library).
import { patternBytes, startHttpFixture, type HttpFixture } from '../../../../test/fixtures/index.ts';
import { until } from '../../../../test/harness/index.ts';
import type { JobHandler, JobRecord, QueueDriver, QueueEvent, QueueWorker, WorkerOptions } from '../lib/driver.ts';
import type { CreateQueueOptions } from '../lib/queue-options.ts';
import { startWorker, type StartWorkerOptions } from '../lib/start-worker.ts';

export interface DriverUnderTest {
  driver: QueueDriver;
  /** Everything the driver stored, as text (to prove credentials are not in it); optional. */
  dump?: () => Promise<string>;
}

export type CreateDriver = (options: Partial<CreateQueueOptions>) => Promise<DriverUnderTest>;

/** Watchdog for waits: ~10x what any step should take on a loaded 2-core machine. */
const WAIT_MS = 30_000;

/** Worker settings for tests: fast retries, BullMQ locks that a starved worker won't lose. */
const testWorkerOptions: Partial<WorkerOptions> = {
  retry: { baseDelayMs: 20, maxDelayMs: 200 },
  lockDurationMs: 10_000,
  stalledIntervalMs: 1_000,
  maxStalledCount: 2,
};

export function describeDriver(name: string, createDriver: CreateDriver): void {
  describe(`queue driver contract: ${name}`, () => {
    async function setup(options: Partial<CreateQueueOptions> = {}) {
      const under = await createDriver(options);
      onTestFinished(() => under.driver.close());
      const client = createClient({ policy: { idleEvictionMs: 0 } });
      onTestFinished(() => client.destroy());
      const resultsDir = await mkdtemp(join(tmpdir(), 'courier-results-'));
      onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
      const fixture = await startHttpFixture();
      onTestFinished(() => fixture.close());
      // Paths tests hold on a latch answer 200 once released.
      for (const path of ['/held', '/slow']) {
        fixture.route(path, (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('released');
        });
      }
      const work = (extra: Partial<StartWorkerOptions> = {}): QueueWorker => {
        const worker = startWorker({ queue: under.driver, client, resultsDir, concurrency: 4, ...testWorkerOptions, ...extra });
        onTestFinished(() => worker.close(0));
        return worker;
      };
      const finished = async (id: string): Promise<JobRecord> => {
        const record = await under.driver.wait(id, WAIT_MS);
        if (!record) throw new Error(`job ${id} vanished`);
        return record;
      };
      return { ...under, client, resultsDir, fixture, work, finished };
    }

    /** `/flaky`: 503 twice, then 200; `hits` counts the requests it got. */
    function flakyRoute(fixture: HttpFixture): { readonly hits: number } {
      const counter = { hits: 0 };
      fixture.route('/flaky', (_req, res) => {
        counter.hits += 1;
        res.writeHead(counter.hits < 3 ? 503 : 200, { 'content-type': 'text/plain' });
        res.end(counter.hits < 3 ? 'busy' : 'ok');
      });
      return counter;
    }

    function requestsTo(fixture: HttpFixture, path: string): number {
      return fixture.requestLog.filter((r) => r.path === path).length;
    }

    it('runs a request job: status, headers (cookies redacted), timings, binary body inline', async () => {
      const { driver, fixture, work, finished } = await setup();
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      fixture.route('/binary', (_req, res) => {
        res.writeHead(201, { 'content-type': 'application/octet-stream', 'set-cookie': ['a=1', 'b=2'], 'x-kept': 'yes' });
        res.end(bytes);
      });
      work();
      const [enqueued] = await driver.enqueue([{ kind: 'request', url: `${fixture.url}/binary`, method: 'POST', body: { base64: 'AAEC' } }]);
      const record = await finished(enqueued!.id);
      expect(record.state).toBe('completed');
      expect(record.kind).toBe('request');
      expect(record.attempts).toBe(1);
      const result = record.result;
      if (result?.kind !== 'request') throw new Error(`expected a request result, got ${JSON.stringify(record)}`);
      expect(result.status).toBe(201);
      expect(result.statusText).toBe('Created');
      expect(result.headers['x-kept']).toBe('yes');
      expect(result.headers['set-cookie']).toEqual(['[redacted]', '[redacted]']);
      expect(Buffer.from(result.bodyBase64!, 'base64')).toEqual(bytes);
      expect(result.bodyBytes).toBe(256);
      expect(result.bodyFile).toBeUndefined();
      expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.headersMs);
      expect(result.workerId).toEqual(expect.any(String));
      expect(fixture.requestLog[0]!.body).toEqual(Buffer.from([0, 1, 2]));
      expect(await driver.get(enqueued!.id)).toMatchObject({ state: 'completed', result: { status: 201 } });
      expect(await driver.get('no-such-job')).toBeNull();
    });

    it('writes a body larger than inlineBodyBytes to a file under the results directory', async () => {
      const { driver, fixture, work, finished, resultsDir } = await setup();
      work({ inlineBodyBytes: 64 * 1024 });
      const [job] = await driver.enqueue([{ url: `${fixture.url}/bytes/200000` }]);
      const record = await finished(job!.id);
      const result = record.result;
      if (result?.kind !== 'request') throw new Error(`expected a request result, got ${JSON.stringify(record)}`);
      expect(result.bodyBase64).toBeUndefined();
      expect(result.bodyBytes).toBe(200_000);
      expect(result.bodyFile).toMatch(/\.body$/);
      expect(await readFile(join(resultsDir, result.bodyFile!))).toEqual(patternBytes(200_000));
    });

    // A wait shorter than the job returns the record as it is, including one longer than the Redis command timeout.
    it.each<[string, Partial<CreateQueueOptions>, number]>([
      ['wait returns the current record when its timeout passes first', {}, 50],
      ['waits longer than the Redis command timeout when asked to', { commandTimeoutMs: 300 }, 1_000],
    ])('%s', async (_name, options, waitMs) => {
      const { driver, fixture, work, finished } = await setup(options);
      const latch = fixture.hold('/held');
      work();
      const [job] = await driver.enqueue([{ url: `${fixture.url}/held` }]);
      await latch.waitForArrivals(1);
      const record = await driver.wait(job!.id, waitMs);
      expect(record?.state).toBe('active');
      latch.release();
      expect((await finished(job!.id)).state).toBe('completed');
    });

    it('refuses bad input at enqueue time with the client codes, and a bad batch adds nothing', async () => {
      const { driver } = await setup();
      await expect(driver.enqueue([{ url: 'ftp://example.test/' } as never])).rejects.toMatchObject({ code: 'UNSUPPORTED_SCHEME' });
      await expect(driver.enqueue([{ url: 'http://example.test/', headers: { 'bad name': 'x' } } as never])).rejects.toMatchObject({ code: 'BAD_HEADER' });
      await expect(driver.enqueue([{ url: 'http://example.test/', method: 'GE T' } as never])).rejects.toMatchObject({ code: 'BAD_METHOD' });
      await expect(
        driver.enqueue([{ url: 'http://example.test/ok' }, { url: 'http://example.test/', timeoutMs: 5 } as never]),
      ).rejects.toMatchObject({ code: 'BAD_JOB', message: expect.stringContaining('[1].timeoutMs') });
      expect(await driver.counts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
    });

    it('cancels a waiting job (it never runs) and aborts an active one', async () => {
      const { driver, fixture, work, finished } = await setup();
      const [waiting] = await driver.enqueue([{ url: `${fixture.url}/never` }]);
      expect(await driver.cancel(waiting!.id)).toBe(true);
      expect(await driver.get(waiting!.id)).toMatchObject({ state: 'cancelled', error: { code: 'ABORTED' } });
      expect(await driver.cancel(waiting!.id)).toBe(false);
      expect(await driver.cancel('no-such-job')).toBe(false);

      const latch = fixture.hold('/held');
      work();
      const [active] = await driver.enqueue([{ url: `${fixture.url}/held` }]);
      await latch.waitForArrivals(1);
      expect(await driver.cancel(active!.id)).toBe(true);
      const record = await finished(active!.id);
      expect(record).toMatchObject({ state: 'cancelled', error: { code: 'ABORTED' } });
      latch.release();
      // A marker job after the cancelled ones: once it is done, the worker has looked at the queue.
      const [marker] = await driver.enqueue([{ url: `${fixture.url}/hello` }]);
      await finished(marker!.id);
      expect(requestsTo(fixture, '/never')).toBe(0);
    });

    it('fails a 4xx at once (no retry); listFailed shows it and retry runs it again', async () => {
      const { driver, fixture, work, finished } = await setup();
      work();
      const [job] = await driver.enqueue([{ url: `${fixture.url}/status/404` }], { attempts: 3 });
      const record = await finished(job!.id);
      expect(record).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'HTTP_STATUS', status: 404 } });
      expect(requestsTo(fixture, '/status/404')).toBe(1);
      const failed = await driver.listFailed();
      expect(failed.map((r) => r.id)).toContain(job!.id);
      expect(await driver.retry(job!.id)).toBe(true);
      await fixture.waitForRequests(2);
      const again = await finished(job!.id);
      expect(again).toMatchObject({ state: 'failed', error: { code: 'HTTP_STATUS', status: 404 } });
      expect(requestsTo(fixture, '/status/404')).toBe(2);
      const [ok] = await driver.enqueue([{ url: `${fixture.url}/hello` }]);
      await finished(ok!.id);
      expect(await driver.retry(ok!.id)).toBe(false);
      expect(await driver.retry('no-such-job')).toBe(false);
    });

    it('retries transient failures with backoff: 5xx then success; connect refused until attempts run out', async () => {
      const { driver, fixture, work, finished } = await setup();
      const flakyOrigin = flakyRoute(fixture);
      const closed = await startHttpFixture();
      const deadUrl = `${closed.url}/gone`;
      await closed.close();
      work();
      const [flaky, dead] = await driver.enqueue([{ url: `${fixture.url}/flaky` }, { url: deadUrl }], [{ attempts: 3 }, { attempts: 3 }]);
      expect(await finished(flaky!.id)).toMatchObject({ state: 'completed', attempts: 3, result: { status: 200 } });
      expect(flakyOrigin.hits).toBe(3);
      expect(await finished(dead!.id)).toMatchObject({ state: 'failed', attempts: 3, error: { code: 'CONNECT_REFUSED' } });
    });

    it('retries a POST only when nothing was sent: 503 fails at once, connect refused is retried', async () => {
      const { driver, fixture, work, finished } = await setup();
      const closed = await startHttpFixture();
      const deadUrl = `${closed.url}/gone`;
      await closed.close();
      work();
      const [sent, refused] = await driver.enqueue(
        [
          { url: `${fixture.url}/status/503`, method: 'POST', body: 'x' },
          { url: deadUrl, method: 'POST', body: 'x' },
        ],
        [{ attempts: 3 }, { attempts: 2 }],
      );
      expect(await finished(sent!.id)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'HTTP_STATUS', status: 503 } });
      expect(requestsTo(fixture, '/status/503')).toBe(1);
      expect(await finished(refused!.id)).toMatchObject({ state: 'failed', attempts: 2, error: { code: 'CONNECT_REFUSED' } });
    });

    it('honours Retry-After on a 429', async () => {
      const { driver, fixture, work, finished } = await setup();
      const arrivals: number[] = [];
      fixture.route('/limited', (_req, res) => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) {
          res.writeHead(429, { 'retry-after': '1' });
          res.end('slow down');
        } else {
          res.writeHead(200);
          res.end('ok');
        }
      });
      // A backoff far longer than the Retry-After: only Retry-After can make the retry come soon,
      // and only honouring it keeps the retry from coming sooner than one second.
      work({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
      const [job] = await driver.enqueue([{ url: `${fixture.url}/limited` }]);
      expect(await finished(job!.id)).toMatchObject({ state: 'completed', attempts: 2 });
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
    });

    it('reports counts and events: active, progress, failed (will retry), completed', async () => {
      const { driver } = await setup();
      const events: QueueEvent[] = [];
      let completedSeen: () => void = () => {};
      const completed = new Promise<void>((resolve) => {
        completedSeen = resolve;
      });
      const unsubscribe = driver.subscribe((event) => {
        events.push(event);
        if (event.type === 'completed') completedSeen();
      });
      onTestFinished(unsubscribe);
      const [job] = await driver.enqueue([{ kind: 'download', url: 'http://127.0.0.1:9/file', dst: 'f' }]);
      expect(await driver.counts()).toMatchObject({ waiting: 1, active: 0 });
      const handler: JobHandler = async (run) => {
        run.reportProgress({ bytes: run.attempt, total: 2, rate: 0 });
        if (run.attempt === 1) throw new CourierError('CONNECTION_RESET', 'reset by peer');
        return { kind: 'download', dst: 'f', bytes: 2, sha256: 'x', fetchedBytes: 2, workerId: 'w' };
      };
      const worker = driver.startWorker(handler, { concurrency: 1, ...testWorkerOptions });
      onTestFinished(() => worker.close(0));
      await completed;
      const mine = events.filter((e) => e.id === job!.id).map((e) => (e.type === 'failed' ? `failed:${e.willRetry}:${e.error.code}` : e.type));
      expect(mine).toEqual(['active', 'progress', 'failed:true:CONNECTION_RESET', 'active', 'progress', 'completed']);
      const progress = events.find((e) => e.type === 'progress');
      expect(progress).toMatchObject({ progress: { bytes: 1, total: 2 } });
      expect(await driver.get(job!.id)).toMatchObject({ state: 'completed', progress: { bytes: 2 } });
      expect(await driver.counts()).toMatchObject({ waiting: 0, active: 0, completed: 1 });
    });

    it('batch: requests in one batch succeed, fail, retry and get cancelled independently, each under its own id', async () => {
      const { driver, fixture, work, finished } = await setup();
      const flakyOrigin = flakyRoute(fixture);
      const events: QueueEvent[] = [];
      const unsubscribe = driver.subscribe((event) => events.push(event));
      onTestFinished(unsubscribe);
      const latch = fixture.hold('/held');
      const urls = ['/hello', '/status/404', '/flaky', '/held'].map((path) => `${fixture.url}${path}`);
      const enqueued = await driver.enqueue(
        urls.map((url) => ({ url })),
        urls.map(() => ({ attempts: 3 })),
        { batch: true },
      );
      const [ok, notFound, flaky, held] = enqueued.map((e) => e.id);
      expect(new Set(enqueued.map((e) => e.id)).size).toBe(4);
      expect(enqueued.every((e) => !e.duplicate)).toBe(true);
      expect(await driver.get(ok!)).toMatchObject({ id: ok, state: 'waiting', input: { kind: 'request', url: urls[0] }, attempts: 0 });
      work();
      await latch.waitForArrivals(1);
      expect(await driver.cancel(held!)).toBe(true);
      expect(await finished(held!)).toMatchObject({ state: 'cancelled', error: { code: 'ABORTED' } });
      expect(await driver.cancel(held!)).toBe(false);
      latch.release();
      expect(await finished(ok!)).toMatchObject({ state: 'completed', attempts: 1, result: { status: 200 } });
      expect(await finished(notFound!)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'HTTP_STATUS', status: 404 } });
      expect(await finished(flaky!)).toMatchObject({ state: 'completed', attempts: 3, result: { status: 200 } });
      expect(flakyOrigin.hits).toBe(3);
      expect(requestsTo(fixture, '/hello')).toBe(1);
      expect(requestsTo(fixture, '/status/404')).toBe(1);
      await until(() => events.some((e) => e.type === 'completed' && e.id === flaky), 'completed event of the retried request', WAIT_MS);
      expect(events.filter((e) => e.type === 'failed' && e.id === flaky && e.willRetry)).toHaveLength(2);
      expect(events.some((e) => e.type === 'completed' && e.id === ok)).toBe(true);
      // An operator's retry runs the failed request again, alone.
      expect(await driver.retry(notFound!)).toBe(true);
      await until(() => requestsTo(fixture, '/status/404') === 2, 'the retried request ran again', WAIT_MS);
      expect(await finished(notFound!)).toMatchObject({ state: 'failed', error: { code: 'HTTP_STATUS', status: 404 } });
      expect(requestsTo(fixture, '/hello')).toBe(1);
      expect(await driver.retry(ok!)).toBe(false);
    });

    it('batch: a waiting request is cancelled alone; idempotency keys hold across batch and plain jobs', async () => {
      const { driver, fixture, work, finished } = await setup();
      const hellos = () => fixture.requestLog.map((r) => r.path).filter((p) => p.startsWith('/hello')).sort();
      const [a, b] = await driver.enqueue([{ url: `${fixture.url}/hello?n=1` }, { url: `${fixture.url}/hello?n=2` }], { delayMs: 300 }, { batch: true });
      expect(await driver.get(a!.id)).toMatchObject({ state: 'delayed' });
      expect(await driver.cancel(a!.id)).toBe(true);
      expect(await driver.get(a!.id)).toMatchObject({ state: 'cancelled', error: { code: 'ABORTED' } });
      work();
      expect(await finished(b!.id)).toMatchObject({ state: 'completed', result: { status: 200 } });
      expect(hellos()).toEqual(['/hello?n=2']);
      expect(await driver.get(a!.id)).toMatchObject({ state: 'cancelled' });

      const job = { url: `${fixture.url}/hello?n=3` };
      const [keyed, plain] = await driver.enqueue([job, { url: `${fixture.url}/hello?n=4` }], [{ idempotencyKey: 'batch:1' }, {}], { batch: true });
      expect(await driver.enqueue([job], { idempotencyKey: 'batch:1' })).toEqual([{ id: keyed!.id, duplicate: true }]);
      expect(await driver.enqueue([job], { idempotencyKey: 'batch:1' }, { batch: true })).toEqual([{ id: keyed!.id, duplicate: true }]);
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=5` }], { idempotencyKey: 'batch:1' }, { batch: true })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await finished(keyed!.id)).toMatchObject({ state: 'completed' });
      expect(await finished(plain!.id)).toMatchObject({ state: 'completed' });
      expect(hellos()).toEqual(['/hello?n=2', '/hello?n=3', '/hello?n=4'].sort());
    });

    it('batch: requests to two origins, packed five to a batch job, hold each origin to its limit across the batch', async () => {
      const { driver, fixture, work, finished } = await setup({ batch: { maxJobs: 5 } });
      const other = await startHttpFixture();
      onTestFinished(() => other.close());
      const jobs = await driver.enqueue(
        Array.from({ length: 24 }, (_, i) => ({ url: `${i % 2 === 0 ? fixture.url : other.url}/delay/5?i=${i}` })),
        undefined,
        { batch: true },
      );
      work({ concurrency: 4, originLimits: { default: { concurrency: 2 } } });
      for (const job of jobs) expect(await finished(job.id)).toMatchObject({ state: 'completed' });
      expect(fixture.maxInFlight).toBeLessThanOrEqual(2);
      expect(other.maxInFlight).toBeLessThanOrEqual(2);
      expect(fixture.requestLog.length + other.requestLog.length).toBe(24);
    });

    it('batch: a worker runs at most `concurrency` requests at once, however many batch jobs it holds, on an origin without a limit', async () => {
      const { driver, fixture, work, finished } = await setup({ batch: { maxJobs: 5 } });
      // Three batch jobs of five slow requests each: unbounded, all fifteen would overlap.
      const jobs = await driver.enqueue(Array.from({ length: 15 }, (_, i) => ({ url: `${fixture.url}/delay/100?i=${i}` })), undefined, { batch: true });
      work({ concurrency: 4, originLimits: { default: { concurrency: 0 } } });
      for (const job of jobs) expect(await finished(job.id)).toMatchObject({ state: 'completed' });
      expect(fixture.maxInFlight).toBeLessThanOrEqual(4);
      expect(fixture.requestLog).toHaveLength(15);
    });

    it('batch: each request holds its own room under the depth bound, given back as it is cancelled or finishes', async () => {
      const { driver, fixture, work, finished } = await setup({ maxDepth: 3 });
      const later = (n: number) => ({ url: `${fixture.url}/hello?n=${n}` });
      await expect(driver.enqueue([1, 2, 3, 4].map(later), { delayMs: 60_000 }, { batch: true })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      const [a] = await driver.enqueue([1, 2].map(later), { delayMs: 60_000 }, { batch: true });
      const [c] = await driver.enqueue([later(3)]);
      await expect(driver.enqueue([later(4)], undefined, { batch: true })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      expect(await driver.cancel(a!.id)).toBe(true);
      const [d] = await driver.enqueue([later(4)], { delayMs: 60_000 }, { batch: true });
      await expect(driver.enqueue([later(5)])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      work();
      expect(await finished(c!.id)).toMatchObject({ state: 'completed' });
      expect(await driver.cancel(d!.id)).toBe(true);
      // Two rooms back (one finished, one cancelled): a batch of two fits again.
      await until(async () => (await driver.enqueue([6, 7].map(later), undefined, { batch: true }).then(() => true, () => false)), 'room back for two', WAIT_MS);
    });

    it('runs a job once per idempotency key; another payload under the key is a CONFLICT', async () => {
      const { driver, fixture, work, finished } = await setup();
      const job = { url: `${fixture.url}/hello?n=1` };
      const [first] = await driver.enqueue([job], { idempotencyKey: 'order:42' });
      const [second] = await driver.enqueue([{ ...job }], { idempotencyKey: 'order:42' });
      expect(first!.duplicate).toBe(false);
      expect(second).toEqual({ id: first!.id, duplicate: true });
      expect(first!.id).not.toContain(':');
      work();
      await finished(first!.id);
      expect((await driver.enqueue([job], { idempotencyKey: 'order:42' }))[0]).toEqual({ id: first!.id, duplicate: true });
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=2` }], { idempotencyKey: 'order:42' })).rejects.toMatchObject({ code: 'CONFLICT' });
      // Batches carry one key per job; a known key is a duplicate, a new one runs.
      const batch = await driver.enqueue([job, { url: `${fixture.url}/hello?n=3` }], [{ idempotencyKey: 'order:42' }, { idempotencyKey: 'order:43' }]);
      expect(batch.map((r) => r.duplicate)).toEqual([true, false]);
      await finished(batch[1]!.id);
      expect(fixture.requestLog.map((r) => r.path).sort()).toEqual(['/hello?n=1', '/hello?n=3']);
    });

    it('refuses jobs past the depth cap with QUEUE_FULL', async () => {
      const { driver, fixture } = await setup({ maxDepth: 2 });
      await expect(driver.enqueue([1, 2, 3].map((n) => ({ url: `${fixture.url}/hello?n=${n}` })))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      await driver.enqueue([{ url: `${fixture.url}/hello?n=1` }, { url: `${fixture.url}/hello?n=2` }]);
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=3` }])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      expect((await driver.counts()).waiting).toBe(2);
    });

    it('bounds the payload bytes of unfinished jobs with QUEUE_FULL and a retry hint', async () => {
      const body = 'x'.repeat(100_000);
      const { driver, fixture } = await setup({ maxQueuedBytes: 250_000 });
      const delayed = (n: number) => ({ url: `${fixture.url}/hello?n=${n}`, body });
      const [first] = await driver.enqueue([delayed(1), delayed(2)], { delayMs: 60_000 });
      const refused = await driver.enqueue([delayed(3)], { delayMs: 60_000 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CourierError);
      expect(refused).toMatchObject({ code: 'QUEUE_FULL', details: { retryAfterMs: expect.any(Number) } });
      expect((refused as CourierError).message).toMatch(/bytes/);
      // Small jobs still fit: the bound is in bytes, not in jobs.
      await driver.enqueue([{ url: `${fixture.url}/hello?n=4` }], { delayMs: 60_000 });
      // A cancelled job gives its room back at once.
      expect(await driver.cancel(first!.id)).toBe(true);
      await driver.enqueue([delayed(5)], { delayMs: 60_000 });
      expect((await driver.counts()).delayed).toBe(3);
    });

    it('gives the room of finished jobs back, and a retried job takes it again', async () => {
      const { driver, fixture, work, finished } = await setup({ maxDepth: 2 });
      const [a, b] = await driver.enqueue([{ url: `${fixture.url}/hello?n=1` }, { url: `${fixture.url}/status/404` }]);
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=2` }])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      work();
      expect(await finished(a!.id)).toMatchObject({ state: 'completed' });
      expect(await finished(b!.id)).toMatchObject({ state: 'failed' });
      // Finished jobs hold no room (a Redis worker gives it back in a batch, shortly after).
      await until(async () => (await driver.enqueue([{ url: `${fixture.url}/hello?n=3` }], { delayMs: 60_000 }).then(() => true, () => false)), 'room back after two jobs finished', WAIT_MS);
      await driver.enqueue([{ url: `${fixture.url}/hello?n=4` }], { delayMs: 60_000 });
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=5` }])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      // An operator's retry is not refused, but the job is queued again and counts.
      expect(await driver.retry(b!.id)).toBe(true);
      await expect(driver.enqueue([{ url: `${fixture.url}/hello?n=6` }], { delayMs: 60_000 })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    });

    it('keeps credentials out of stored jobs and results, yet sends them', async () => {
      const { driver, dump, fixture, work, finished } = await setup();
      const url = `${fixture.url.replace('http://', 'http://user:pa55word@')}/hello`;
      const [job] = await driver.enqueue([{ url, headers: { Cookie: 'session=s3cr3t-cookie', 'X-Trace': 't1' } }]);
      const stored = await driver.get(job!.id);
      expect(stored!.input.url).toBe(`${fixture.url}/hello`);
      expect(stored!.input.headers).toEqual([
        ['Cookie', '[redacted]'],
        ['X-Trace', 't1'],
        ['authorization', '[redacted]'],
      ]);
      if (dump) {
        const before = await dump();
        expect(before).not.toContain('pa55word');
        expect(before).toContain('[redacted]');
      }
      work();
      const record = await finished(job!.id);
      expect(record.state).toBe('completed');
      const seen = fixture.requestLog[0]!.headers;
      expect(seen.cookie).toBe('session=s3cr3t-cookie');
      expect(seen.authorization).toBe(`Basic ${Buffer.from('user:pa55word').toString('base64')}`);
      expect(JSON.stringify(record)).not.toContain('s3cr3t');
      if (dump) {
        const after = await dump();
        expect(after).not.toContain('s3cr3t-cookie');
        expect(after).not.toContain(Buffer.from('user:pa55word').toString('base64'));
      }
    });

    it('holds each origin to its concurrency limit across workers', async () => {
      const { driver, fixture, work, finished } = await setup();
      const originLimits = { default: { concurrency: 2 } };
      work({ concurrency: 4, originLimits });
      work({ concurrency: 4, originLimits });
      const jobs = await driver.enqueue(Array.from({ length: 24 }, (_, i) => ({ url: `${fixture.url}/delay/5?i=${i}` })));
      const records = await Promise.all(jobs.map((j) => finished(j.id)));
      expect(records.every((r) => r.state === 'completed')).toBe(true);
      expect(fixture.requests).toBe(24);
      expect(fixture.maxInFlight).toBeLessThanOrEqual(2);
      expect(fixture.maxInFlight).toBeGreaterThanOrEqual(1);
    });

    it('a saturated origin holds no worker slot and does not block another origin', async () => {
      const { driver, fixture, work, finished } = await setup();
      const other = await startHttpFixture();
      onTestFinished(() => other.close());
      const latch = fixture.hold('/slow');
      // One worker slot would be enough for the fast origin only if the slow jobs give theirs back.
      work({ concurrency: 2, originLimits: { origins: [{ match: `127.0.0.1:${fixture.port}`, concurrency: 1 }] } });
      const slow = await driver.enqueue([1, 2, 3].map((n) => ({ url: `${fixture.url}/slow?n=${n}` })));
      await latch.waitForArrivals(1);
      const fast = await driver.enqueue(Array.from({ length: 6 }, (_, i) => ({ url: `${other.url}/hello?i=${i}` })));
      const fastRecords = await Promise.all(fast.map((j) => finished(j.id)));
      expect(fastRecords.every((r) => r.state === 'completed')).toBe(true);
      expect(latch.arrivals).toBe(1);
      latch.release();
      const slowRecords = await Promise.all(slow.map((j) => finished(j.id)));
      expect(slowRecords.every((r) => r.state === 'completed' && r.attempts === 1)).toBe(true);
      expect(fixture.maxInFlight).toBe(1);
    });

    it("batch: a saturated origin's batch job holds no worker slot and does not block another origin's", async () => {
      const { driver, fixture, work, finished } = await setup();
      const other = await startHttpFixture();
      onTestFinished(() => other.close());
      const latch = fixture.hold('/slow');
      work({ concurrency: 2, originLimits: { origins: [{ match: `127.0.0.1:${fixture.port}`, concurrency: 1 }] } });
      const slow = await driver.enqueue([1, 2].map((n) => ({ url: `${fixture.url}/slow?n=${n}` })), undefined, { batch: true });
      await latch.waitForArrivals(1);
      // Two more batch jobs of the full origin, then the other origin's: one worker slot is busy.
      const more = [
        ...(await driver.enqueue([{ url: `${fixture.url}/slow?n=3` }], undefined, { batch: true })),
        ...(await driver.enqueue([{ url: `${fixture.url}/slow?n=4` }], undefined, { batch: true })),
      ];
      const fast = await driver.enqueue(Array.from({ length: 6 }, (_, i) => ({ url: `${other.url}/hello?i=${i}` })), undefined, { batch: true });
      const fastRecords = await Promise.all(fast.map((j) => finished(j.id)));
      expect(fastRecords.every((r) => r.state === 'completed')).toBe(true);
      expect(latch.arrivals).toBe(1);
      latch.release();
      const slowRecords = await Promise.all([...slow, ...more].map((j) => finished(j.id)));
      expect(slowRecords.every((r) => r.state === 'completed' && r.attempts === 1)).toBe(true);
      expect(fixture.maxInFlight).toBe(1);
    });

    it('close(grace) hands an unfinished job back; another worker completes it', async () => {
      const { driver, fixture, work, finished } = await setup();
      const latch = fixture.hold('/held');
      const first = work({ concurrency: 1 });
      const [job] = await driver.enqueue([{ url: `${fixture.url}/held` }]);
      await latch.waitForArrivals(1);
      await first.close(50);
      const back = await driver.get(job!.id);
      expect(back!.state).toBe('waiting');
      expect(back!.attempts).toBe(0);
      latch.release();
      const second = work({ concurrency: 1 });
      const record = await finished(job!.id);
      expect(record).toMatchObject({ state: 'completed', result: { workerId: second.id } });
    });

    it('publishes the fleet view and runs closeconnections on every worker', async () => {
      const { driver, fixture, work, finished } = await setup();
      const worker = work();
      const [job] = await driver.enqueue([{ url: `${fixture.url}/hello` }]);
      await finished(job!.id);
      const workers = await driver.fleet.workers();
      const mine = workers.find((w) => w.workerId === worker.id);
      expect(mine).toBeDefined();
      expect(mine!.pid).toBe(process.pid);
      // The heartbeat publishes every second; the origin shows up after the next one at the latest.
      await until(
        async () => (await driver.fleet.workers()).some((w) => w.workerId === worker.id && w.origins.some((o) => o.origin === fixture.url)),
        "the worker's origin in the fleet view",
        WAIT_MS,
        100,
      );
      const report = await driver.fleet.closeConnections(undefined, { timeoutMs: WAIT_MS });
      expect(report.drained.map((d) => d.workerId)).toContain(worker.id);
      expect(report.missing).toEqual([]);
    });
  });
}
