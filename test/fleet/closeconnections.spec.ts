// http.closeconnections against the fleet: a broadcast every live worker obeys; the coroutine
// resumes once each reported drained (its requests in flight finished), or died.
import { Scheduler } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { HttpFixture, Latch } from '../fixtures/index.ts';
import { fleetHttp, origin } from './support/fleet-http.ts';
import { startFleet, TTL_MS, until, type Fleet } from './support/fleet.ts';

/** One request held at `f` on each worker (concurrency 1 each), enqueued by another client. */
async function oneHeldRequestPerWorker(fleet: Fleet, f: HttpFixture): Promise<Latch> {
  const latch = f.hold('/held');
  onTestFinished(() => latch.release());
  await fleet.queue.enqueue(fleet.workers.map(() => ({ url: `${f.url}/held` })), { attempts: 1 });
  await latch.waitForArrivals(fleet.workers.length);
  return latch;
}

/** Every live worker publishes its socket to `f` busy and no longer reusable: it is draining. */
function everyWorkerDraining(fleet: Fleet, f: HttpFixture, workers: number): Promise<void> {
  return until(async () => {
    const view = await fleet.view();
    return view.length === workers && view.every((w) => w.origins.some((o) => o.origin === f.origin && o.sockets.busy > 0 && o.sockets.reusable === 0));
  }, 'every worker draining');
}

function resumeWithin<T>(running: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`closeconnections did not resume within ${ms} ms`)), ms);
  });
  return Promise.race([running, watchdog]).finally(() => clearTimeout(timer));
}

describe('closeconnections through the fleet', () => {
  it('resumes only after every worker’s in-flight requests have finished', async () => {
    const f = await origin();
    const fleet = await startFleet({ workers: 3, concurrency: 1 });
    const { http } = await fleetHttp(fleet);
    const latch = await oneHeldRequestPerWorker(fleet, f);

    const sched = new Scheduler();
    let inFlightAtResume: number | null = null;
    sched.add(function* () {
      yield* http.closeconnections();
      inFlightAtResume = f.inFlight;
    });
    const running = sched.run();
    // Every worker got the broadcast and obeys it; their requests are still held.
    await everyWorkerDraining(fleet, f, 3);
    expect(f.inFlight).toBe(3);
    expect(inFlightAtResume).toBeNull();
    expect(sched.waiting).toBe(1);

    latch.release();
    await resumeWithin(running, 60_000);
    expect(inFlightAtResume).toBe(0);
  }, 180_000);

  it('never hangs when a worker dies meanwhile: the dead one stops counting once its heartbeat expires', async () => {
    const f = await origin();
    const fleet = await startFleet({ workers: 3, concurrency: 1 });
    const { http } = await fleetHttp(fleet);
    const latch = await oneHeldRequestPerWorker(fleet, f);

    const sched = new Scheduler();
    let resumed = false;
    sched.add(function* () {
      yield* http.closeconnections();
      resumed = true;
    });
    const running = sched.run();
    await everyWorkerDraining(fleet, f, 3);
    const [dead] = fleet.workers;
    dead!.process.kill('SIGKILL');
    await dead!.exited;
    // The two others finish and report drained; the dead one never answers.
    latch.release();
    await f.until((fixture) => fixture.inFlight === 0);
    expect(resumed).toBe(false);

    await resumeWithin(running, 10 * TTL_MS);
    expect(resumed).toBe(true);
    expect((await fleet.view()).map((w) => w.workerId).sort()).toEqual(fleet.workers.slice(1).map((w) => w.workerId).sort());
  }, 180_000);
});
