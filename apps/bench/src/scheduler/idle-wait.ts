import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, plutoPolicy } from '@courier/origin';
import { createPlutoHttp, Scheduler } from '@courier/scheduler';
import { startHoldServer } from './hold-server.ts';

export interface IdleWait {
  coroutines: number;
  windowMs: number;
  /** CPU time of the whole bench process during the window (all threads), in microseconds. */
  cpuMicros: number;
  /**
   * The same process over a window of the same length just before, with nothing in flight and no
   * scheduler: what an idle Node process costs here (V8's background threads finishing earlier
   * work, timers of the runtime), in microseconds.
   */
  baselineCpuMicros: number;
  /** Scheduler passes and resumes during the window (a spinning scheduler would make thousands). */
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
 * first, so the figure can be read against what an idle process costs.
 */
export async function measureIdleWait(coroutines: number, windowMs: number): Promise<IdleWait> {
  const server = await startHoldServer(coroutines);
  const http = createPlutoHttp(createClient({ policy: plutoPolicy }));
  try {
    const idleBefore = process.cpuUsage();
    await sleep(windowMs);
    const idle = process.cpuUsage(idleBefore);

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
    const cpuBefore = process.cpuUsage();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const figures = { passes: sched.passes - passes, resumes: sched.resumes - resumes };
    server.release();
    await running;
    if (completed !== coroutines) throw new Error(`${completed} of ${coroutines} held requests completed`);
    return { coroutines, windowMs, cpuMicros: cpu.user + cpu.system, baselineCpuMicros: idle.user + idle.system, waiting, ...figures };
  } finally {
    await http.client.destroy();
    await server.close();
  }
}
