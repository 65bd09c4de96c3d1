// http.hasconnection against the fleet: a synchronous answer from the scheduler's mirror of the
// fleet view (workers' heartbeat hashes), true while any live worker holds a reusable socket.
import { Scheduler, type PlutoResult } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fleetHttp, origin } from './support/fleet-http.ts';
import { heartbeats, startFleet, TTL_MS, until } from './support/fleet.ts';
import { watchConnection } from './support/watch.ts';


describe('hasconnection through the fleet', () => {
  it('turns true when a worker connects, stays true while busy, false once that worker is SIGKILLed and its heartbeat expired', async () => {
    const f = await origin();
    const latch = f.hold('/held');
    onTestFinished(() => latch.release());
    const fleet = await startFleet({ workers: 3 });
    const { http, transport } = await fleetHttp(fleet);
    const watch = watchConnection(http, f.url);
    onTestFinished(() => watch.stop());
    expect(watch.value).toBe(false);

    const requester = new Scheduler();
    requester.add(function* () {
      yield* http.request(`${f.url}/held`);
    });
    void requester.run();
    await latch.waitForArrivals(1);
    await watch.becomes(true, 30_000);

    // Busy on one worker: its published snapshot shows the socket with a request on it (the
    // transport says true as soon as a worker took the job, maybe before that heartbeat).
    let holder: Awaited<ReturnType<typeof fleet.view>>[number] | undefined;
    await until(async () => {
      holder = (await fleet.view()).find((w) => w.origins.some((o) => o.origin === f.origin && o.sockets.busy > 0));
      return holder !== undefined;
    }, 'a heartbeat showing the busy socket');
    // Stays true while busy: several heartbeats later, read into the mirror, nothing changed.
    await heartbeats(fleet, 3);
    const reads = transport.stats.mirrorReads;
    await until(() => transport.stats.mirrorReads >= reads + 2, 'two more reads of the fleet view');
    expect(watch.changes.map((c) => c.value)).toEqual([false, true]);
    expect(f.inFlight).toBe(1);

    const worker = fleet.workers.find((w) => w.workerId === holder!.workerId)!;
    worker.process.kill('SIGKILL');
    await worker.exited;
    // Within the TTL (watchdog: 10 ×), and because the hash expired: nothing else says false.
    await watch.becomes(false, 10 * TTL_MS);
    expect((await fleet.view()).map((w) => w.workerId)).not.toContain(holder!.workerId);
    expect(watch.changes.map((c) => c.value)).toEqual([false, true, false]);
  }, 180_000);

  it('is false for every origin after a fleet-wide closeconnections, until a new request', async () => {
    const origins = [await origin(), await origin(), await origin()];
    // Two jobs per worker at most: thirty requests spread over all three workers.
    const fleet = await startFleet({ workers: 3, concurrency: 2 });
    const { http, transport } = await fleetHttp(fleet);
    const sched = new Scheduler();
    const results: PlutoResult[] = [];
    for (let i = 0; i < 30; i++) {
      sched.add(function* () {
        results.push(yield* http.request(`${origins[i % 3]!.url}/hello`));
      });
    }
    await sched.run();
    expect(results.map((r) => r[1])).toEqual(Array(30).fill(200));
    // At once (what our jobs left), and in the workers' own word once they have published.
    for (const o of origins) expect(http.hasconnection(o.url)).toBe(true);
    await heartbeats(fleet, 1);
    const holders = (await fleet.view()).filter((w) => w.origins.some((o) => o.sockets.reusable > 0));
    expect(holders.length).toBeGreaterThanOrEqual(2);
    await transport.refresh();
    for (const o of origins) expect(http.hasconnection(o.url)).toBe(true);

    const samples: boolean[][] = [];
    sched.add(function* () {
      yield* http.closeconnections();
      samples.push(origins.map((o) => http.hasconnection(o.url)));
    });
    await sched.run();
    expect(samples).toEqual([[false, false, false]]);
    // The workers' own word, once they published after the drain: still none.
    await heartbeats(fleet, 2);
    await transport.refresh();
    expect(origins.map((o) => http.hasconnection(o.url))).toEqual([false, false, false]);
    expect((await fleet.view()).flatMap((w) => w.origins).filter((o) => o.sockets.reusable > 0)).toEqual([]);
    for (const o of origins) await o.until((f) => f.openConnections === 0);

    sched.add(function* () {
      yield* http.request(`${origins[0]!.url}/hello`);
      samples.push(origins.map((o) => http.hasconnection(o.url)));
    });
    await sched.run();
    expect(samples[1]).toEqual([true, false, false]);
  }, 180_000);
});
