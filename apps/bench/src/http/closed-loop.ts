export interface ClosedLoopOptions {
  /** Stop starting requests after this long, in milliseconds. */
  durationMs: number;
  /** Concurrent loops, each with one request in flight. */
  inFlight: number;
  /** Stop starting requests after this many have completed, whatever the time. */
  maxRequests: number;
  /** Bytes every response body must have (a short body fails the measurement). */
  expectBytes: number;
  /** Give up when the loops have not finished this long after the deadline, in milliseconds. */
  stallMs?: number;
}

export interface ClosedLoopResult {
  /** Requests completed (started before the deadline, finished before the loops ended). */
  requests: number;
  elapsedMs: number;
  reqPerSec: number;
  /** CPU time of this process during the run, as a share of one core (1 = 100 %). */
  cpuShare: number;
}

/**
 * Closed-loop load: `inFlight` loops, each sends a request, waits for the whole body, sends the
 * next, until the deadline or the request bound. Throughput = completed / elapsed. The first
 * error ends the measurement (a figure from a run with failures would mean nothing).
 */
export async function runClosedLoop(get: () => Promise<number>, opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const deadline = started + opts.durationMs;
  let completed = 0;
  let failure: unknown = null;
  let stop = false;

  const loop = async (): Promise<void> => {
    while (!stop && performance.now() < deadline && completed < opts.maxRequests) {
      const bytes = await get();
      if (bytes !== opts.expectBytes) throw new Error(`body of ${bytes} bytes, expected ${opts.expectBytes}`);
      completed++;
    }
  };
  const loops = Array.from({ length: opts.inFlight }, () =>
    loop().catch((err: unknown) => {
      failure ??= err;
      stop = true;
    }),
  );

  const stallMs = opts.stallMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), opts.durationMs + stallMs);
  });
  const outcome = await Promise.race([Promise.all(loops), stalled]);
  clearTimeout(timer);
  stop = true;
  if (outcome === 'stalled') throw new Error(`requests still in flight ${stallMs} ms after the deadline (${completed} completed)`);
  if (failure) throw failure;

  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return {
    requests: completed,
    elapsedMs,
    reqPerSec: (completed * 1000) / elapsedMs,
    cpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
  };
}
