import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, plutoPolicy } from '@courier/origin';
import { createPlutoHttp, Scheduler } from '@courier/scheduler';
import { startHoldServer } from './hold-server.ts';

export interface IdleWait {
  coroutines: number;
  windowMs: number;
  /** CPU time of the whole bench process during each window (all threads), in microseconds. */
  cpuMicros: number[];
  /**
   * The same process over as many windows of the same length just before, with nothing in flight
   * and no scheduler: what an idle Node process costs here (V8's background threads, the
   * runtime's timers), in microseconds.
   */
  baselineCpuMicros: number[];
  /** Scheduler passes and resumes during all the windows (a spinning scheduler would make thousands). */
  passes: number;
  resumes: number;
  /** Coroutines parked on I/O when the window opened. */
  waiting: number;
}

/** Give up when the held requests have not all reached the server after this long, in milliseconds. */
const ARRIVAL_TIMEOUT_MS = 30_000;

/**
 * `coroutines` coroutines, each with `yield* http.request(url)` to an origin of its own (Pluto's
 * pool: one socket per origin) on a server that holds every request. Once all have arrived and
 * all coroutines are parked, the process's CPU time and the scheduler's passes are read over a
 * window of `windowMs`; then the server answers and `run()` must end with every request done.
 * The holding server runs in this process too: it has nothing to do during the window either,
 * so the figure is an upper bound for the scheduler. A baseline window with nothing running comes
 * first, so the figure can be read against what an idle process costs. `settle` (a full GC) runs
 * before every window, so work left to V8's background threads by what came before (the load of
 * an earlier measurement, setting up the requests) is not billed to the window.
 */
export async function measureIdleWait(coroutines: number, windowMs: number, windows: number, settle: () => Promise<void>): Promise<IdleWait> {
  const server = await startHoldServer(coroutines);
  const http = createPlutoHttp(createClient({ policy: plutoPolicy }));
  try {
    const cpuOfWindow = async (): Promise<number> => {
      await settle();
      const before = process.cpuUsage();
      await sleep(windowMs);
      const used = process.cpuUsage(before);
      return used.user + used.system;
    };
    const baselineCpuMicros: number[] = [];
    for (let w = 0; w < windows; w++) baselineCpuMicros.push(await cpuOfWindow());

    const sched = new Scheduler();
    let completed = 0;
    for (const url of server.urls) {
      sched.add(function* () {
        const [body, status] = yield* http.request(url);
        if (body === null || status !== 200) throw new Error(`held request failed: ${String(status)}`);
        completed++;
      });
    }
    const running = sched.run();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      server.arrived(coroutines),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`held requests did not reach the server within ${ARRIVAL_TIMEOUT_MS} ms`)), ARRIVAL_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    // One more turn so run() finishes the pass it may be in and goes to sleep.
    await new Promise((resolve) => setImmediate(resolve));
    if (!sched.sleeping) throw new Error(`run() is not sleeping although every request is held (${sched.waiting} waiting)`);
    const waiting = sched.waiting;
    const passes = sched.passes;
    const resumes = sched.resumes;
    const cpuMicros: number[] = [];
    for (let w = 0; w < windows; w++) cpuMicros.push(await cpuOfWindow());
    const figures = { passes: sched.passes - passes, resumes: sched.resumes - resumes };
    server.release();
    await running;
    if (completed !== coroutines) throw new Error(`${completed} of ${coroutines} held requests completed`);
    return { coroutines, windowMs, cpuMicros, baselineCpuMicros, waiting, ...figures };
  } finally {
    await http.client.destroy();
    await server.close();
  }
}
