import { Scheduler } from '@courier/scheduler';

export interface ResumeCost {
  /** Wall time of `run()`, in milliseconds. */
  elapsedMs: number;
  /** CPU time of this process during `run()`, in microseconds. */
  cpuMicros: number;
  /** Resumes made by `run()` (the first resume of each coroutine happens in `add`, before the clock). */
  resumes: number;
  passes: number;
  /** Wall nanoseconds per resume, the passes' event-loop turns included. */
  nsPerResume: number;
}

/**
 * `coroutines` generators that each give up the turn `yields` times with a bare `yield`, run to
 * their end by one `Scheduler`. Every pass costs a macrotask turn besides the resumes (the
 * scheduler lets I/O in between passes); that cost is shared by the pass's resumes and included.
 */
export async function measureResumeCost(coroutines: number, yields: number): Promise<ResumeCost> {
  const sched = new Scheduler();
  for (let c = 0; c < coroutines; c++) {
    sched.add(function* () {
      for (let y = 0; y < yields; y++) yield;
    });
  }
  const resumesBefore = sched.resumes;
  const passesBefore = sched.passes;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await sched.run();
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  const resumes = sched.resumes - resumesBefore;
  // Each coroutine: one resume in add() up to its first yield, then `yields` more in run().
  if (resumes !== coroutines * yields) throw new Error(`expected ${coroutines * yields} resumes in run(), counted ${resumes}`);
  return {
    elapsedMs: elapsedNs / 1e6,
    cpuMicros: cpu.user + cpu.system,
    resumes,
    passes: sched.passes - passesBefore,
    nsPerResume: elapsedNs / resumes,
  };
}
