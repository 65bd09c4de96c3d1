// The Pluto fleet transport with `batchJobs`: the requests of a scheduler pass go to the queue as
// batch jobs (far fewer queue jobs than requests), and every coroutine still gets its own answer.
import { Scheduler } from '@courier/scheduler';
import { Queue } from 'bullmq';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { fleetHttp } from './support/fleet-http.ts';
import { startFleet } from './support/fleet.ts';

const COROUTINES = 200;
const REQUESTS_EACH = 3;
const ORIGINS = 5;

describe('fleet transport with batch jobs', () => {
  it(`${COROUTINES} coroutines × ${REQUESTS_EACH} requests over ${ORIGINS} origins as batch jobs: every answer its own, fewer queue jobs than requests`, async () => {
    const origins: HttpFixture[] = [];
    for (let i = 0; i < ORIGINS; i++) {
      const fixture = await startHttpFixture();
      onTestFinished(() => fixture.close());
      fixture.route('/c', (_req, res, ctx) => {
        const tag = ctx.url.searchParams.get('t') ?? '';
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(tag) });
        res.end(tag);
      });
      origins.push(fixture);
    }
    const fleet = await startFleet({ workers: 2, concurrency: 8 });
    const { http, transport } = await fleetHttp(fleet, { batchJobs: true });
    const sched = new Scheduler();
    const wrong: string[] = [];
    let right = 0;
    for (let i = 0; i < COROUTINES; i++) {
      sched.add(function* () {
        for (let k = 0; k < REQUESTS_EACH; k++) {
          const tag = `${i}.${k}`;
          const [body, status] = yield* http.request(`${origins[(i + k) % ORIGINS]!.url}/c?t=${tag}`);
          if (status === 200 && body === tag) right++;
          else wrong.push(`${tag}: ${status} ${JSON.stringify(body)}`);
        }
      });
    }
    await sched.run();
    expect(wrong).toEqual([]);
    expect(right).toBe(COROUTINES * REQUESTS_EACH);
    expect(transport.stats.settled).toBe(COROUTINES * REQUESTS_EACH);
    const tags = origins.flatMap((o) => o.requestLog.map((r) => new URL(r.path, 'http://x').searchParams.get('t')));
    expect(new Set(tags).size).toBe(COROUTINES * REQUESTS_EACH);
    expect(tags).toHaveLength(COROUTINES * REQUESTS_EACH);
    // The queue saw batch jobs: each pass's requests to one origin share one queue job. The first
    // pass makes every coroutine's first request (40 per origin: one batch job each); later passes
    // resume as results come, each with at least one request.
    const bull = new Queue('jobs', { connection: { url: fleet.redis.url }, prefix: 'courier' });
    onTestFinished(() => bull.close());
    const queueJobs = await bull.getCompletedCount();
    expect(queueJobs).toBeGreaterThan(0);
    expect(queueJobs).toBeLessThanOrEqual(ORIGINS + COROUTINES * (REQUESTS_EACH - 1));
  }, 300_000);
});
