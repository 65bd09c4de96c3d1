// 2,000 coroutines × 5 requests across 50 fixture origins, through the fleet: no job lost, and the
// scheduler's process stays idle while every coroutine waits (no pass without a result).
import { Scheduler } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture, type Latch } from '../fixtures/index.ts';
import { fleetHttp } from './support/fleet-http.ts';
import { heartbeats, startFleet, until } from './support/fleet.ts';

const COROUTINES = 2_000;
const REQUESTS_EACH = 5;
const ORIGINS = 50;
const WORKERS = 3;
const CONCURRENCY = 50;

async function taggingOrigin(): Promise<HttpFixture> {
  const fixture = await startHttpFixture();
  onTestFinished(() => fixture.close());
  // Answers with the tag it was asked for: a lost, doubled or crossed answer shows.
  fixture.route('/c', (_req, res, ctx) => {
    const tag = ctx.url.searchParams.get('t') ?? '';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(tag) });
    res.end(tag);
  });
  return fixture;
}

describe('many coroutines through the fleet', () => {
  it(`${COROUTINES} coroutines × ${REQUESTS_EACH} requests over ${ORIGINS} origins: every answer right, none lost; no pass while all wait`, async () => {
    const origins: HttpFixture[] = [];
    for (let i = 0; i < ORIGINS; i++) origins.push(await taggingOrigin());
    const latches: Latch[] = origins.map((o) => o.hold('/c'));
    onTestFinished(() => latches.forEach((l) => l.release()));
    const fleet = await startFleet({ workers: WORKERS, concurrency: CONCURRENCY });
    const { http, transport } = await fleetHttp(fleet);

    const sched = new Scheduler();
    let resumingPasses = 0;
    sched.yieldfunc = () => {
      resumingPasses++;
    };
    const wrong: string[] = [];
    let right = 0;
    let finished = 0;
    for (let i = 0; i < COROUTINES; i++) {
      sched.add(function* () {
        for (let k = 0; k < REQUESTS_EACH; k++) {
          const tag = `${i}.${k}`;
          const [body, status] = yield* http.request(`${origins[(i + 7 * k) % ORIGINS]!.url}/c?t=${tag}`);
          if (status === 200 && body === tag) right++;
          else wrong.push(`${tag}: ${status} ${JSON.stringify(body)}`);
        }
        finished++;
      });
    }
    const running = sched.run();

    // Every coroutine waits; the workers are full of held requests; time passes with I/O going on.
    // Every worker slot holds a job: under Pluto's pool (the fleet transport's jobs run on it)
    // a worker has one keep-alive socket per origin, so a job is held at the origin or queued
    // on that socket behind a held one. Quick to reach, well inside Pluto's 30 s per request.
    await until(async () => (await fleet.queue.counts()).active >= WORKERS * CONCURRENCY, 'every worker slot holding a request', 120_000);
    expect(latches.reduce((n, l) => n + l.waiting, 0)).toBeGreaterThan(0);
    expect(sched.sleeping).toBe(true);
    const passesWhileWaiting = sched.passes;
    await heartbeats(fleet, 2);
    expect(sched.waiting).toBe(COROUTINES);
    expect(sched.passes).toBe(passesWhileWaiting);
    expect(resumingPasses).toBe(0);

    const settledBefore = transport.stats.settled;
    for (const latch of latches) latch.release();
    await running;

    expect(wrong).toEqual([]);
    expect(right).toBe(COROUTINES * REQUESTS_EACH);
    expect(finished).toBe(COROUTINES);
    const tags = origins.flatMap((o) => o.requestLog.map((r) => new URL(r.path, 'http://x').searchParams.get('t')));
    expect(tags.length).toBe(COROUTINES * REQUESTS_EACH);
    expect(new Set(tags).size).toBe(COROUTINES * REQUESTS_EACH);
    // Idle while waiting: a pass that resumed something needs a result that came in; a pass that
    // resumed nothing only follows one that did (then run() sleeps again).
    const results = transport.stats.settled - settledBefore;
    expect(results).toBe(COROUTINES * REQUESTS_EACH);
    expect(resumingPasses).toBeLessThanOrEqual(results);
    expect(sched.passes - passesWhileWaiting - resumingPasses).toBeLessThanOrEqual(resumingPasses + 1);
    expect(transport.stats.rechecked).toBe(0);
  }, 600_000);
});
