import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createQueue, type QueueDriver, type RequestJob } from '@courier/queue';
import { createFleetTransport, createPlutoHttp, defaultAcceptEncoding, defaultUserAgent, Scheduler, type FleetTransport, type PlutoHttp } from '@courier/scheduler';
import { lowerRatio, median, ratio, showRatio } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';
import { startTarget } from '../target/target-process.ts';
import { repoRoot, stopChild } from '../processes.ts';
import { startBenchRedis } from '../queue-e2e/redis-server.ts';

const TABLE = 'requests through the worker fleet (Redis queue)';
const SCRIPT = 'scheduler script, fleet transport';
const DIRECT = 'queue API: enqueue + queue events';
const WORKERS = 2;
const BODY_BYTES = 64;
/** Bounds on setting things up, in milliseconds (tsx compiles each worker on start). */
const START_TIMEOUT_MS = 60_000;

/** The `courier` command; its workers run as `courier worker`. */
const courierMain = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));

interface Round {
  requests: number;
  elapsedMs: number;
  errors: number;
}

const CPU_SERIES = 'cpuMicrosPerRequest';

// ---- processes: Redis (unless REDIS_URL), the workers ----

function startWorkers(redisUrl: string, queueName: string, resultsDir: string, concurrency: number): ChildProcess[] {
  return Array.from({ length: WORKERS }, (_, i) =>
    spawn(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', courierMain, 'worker'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        COURIER_QUEUE_NAME: queueName,
        COURIER_WORKER_ID: `bench-w${i + 1}`,
        COURIER_CONCURRENCY: String(concurrency),
        COURIER_ALLOW_DESTINATIONS: 'loopback',
        // One origin takes every request: the fleet-wide per-origin cap would be the bottleneck.
        COURIER_ORIGIN_CONCURRENCY: '0',
        COURIER_RESULTS_DIR: resultsDir,
        LOG_LEVEL: 'warn',
      },
    }),
  );
}

async function waitForWorkers(driver: QueueDriver, workers: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  // A worker says nothing when it is ready; its heartbeat in the fleet view does (looked at, bounded).
  while ((await driver.fleet.workers()).length < workers.length) {
    const dead = workers.find((w) => w.exitCode !== null);
    if (dead) throw new Error(`a worker exited with ${dead.exitCode} while starting`);
    if (Date.now() > deadline) throw new Error(`workers not in the fleet view within ${START_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

// ---- the two ways of driving the same work ----

/** `inFlight` coroutines, each requesting in a loop until the time or the count runs out. */
async function scriptRound(http: PlutoHttp, url: string, inFlight: number, durationMs: number, maxRequests: number): Promise<Round> {
  const sched = new Scheduler();
  const started = performance.now();
  const deadline = started + durationMs;
  let issued = 0;
  let requests = 0;
  let errors = 0;
  for (let c = 0; c < inFlight; c++) {
    sched.add(function* () {
      while (issued < maxRequests && performance.now() < deadline) {
        issued++;
        const [, status] = yield* http.request(url);
        if (status !== 200) errors++;
        requests++;
      }
    });
  }
  await sched.run();
  return { requests, elapsedMs: performance.now() - started, errors };
}

/**
 * The same request jobs, the same closed loop of `inFlight`, straight on the queue driver: jobs
 * freed in one turn are topped up with one enqueue call (as the transport batches a scheduler
 * pass), results taken from the queue's event stream.
 */
async function queueRound(driver: QueueDriver, job: RequestJob, inFlight: number, durationMs: number, maxRequests: number): Promise<Round> {
  const started = performance.now();
  const deadline = started + durationMs;
  const pending = new Set<string>();
  const early = new Map<string, boolean>();
  let enqueuing = false;
  let issued = 0;
  let requests = 0;
  let errors = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let topUpQueued = false;

  const settle = (id: string, ok: boolean): void => {
    if (!pending.delete(id)) {
      if (enqueuing) early.set(id, ok);
      return;
    }
    requests++;
    if (!ok) errors++;
    scheduleTopUp();
  };
  const topUp = async (): Promise<void> => {
    if (enqueuing) return;
    const open = performance.now() < deadline;
    const n = open ? Math.min(inFlight - pending.size, maxRequests - issued) : 0;
    if (n <= 0) {
      if (pending.size === 0) finish();
      return;
    }
    issued += n;
    enqueuing = true;
    try {
      const ids = await driver.enqueue(Array.from({ length: n }, () => job), { attempts: 1 });
      for (const { id } of ids) pending.add(id);
      for (const { id } of ids) {
        const ok = early.get(id);
        if (ok !== undefined) settle(id, ok);
      }
    } finally {
      early.clear();
      enqueuing = false;
    }
    scheduleTopUp();
  };
  function scheduleTopUp(): void {
    if (topUpQueued) return;
    topUpQueued = true;
    queueMicrotask(() => {
      topUpQueued = false;
      void topUp();
    });
  }

  const unsubscribe = driver.subscribe((event) => {
    if (event.type === 'completed') settle(event.id, event.result.kind === 'request' && event.result.status === 200);
    else if (event.type === 'failed' && !event.willRetry) settle(event.id, false);
  });
  try {
    await new Promise((resolve) => setImmediate(resolve));
    scheduleTopUp();
    await finished;
  } finally {
    unsubscribe();
  }
  return { requests, elapsedMs: performance.now() - started, errors };
}

// ---- the suite ----

function row(label: string, rounds: number[], columns: Record<string, string>, cpuMicros: number[]): BenchRow {
  return { table: TABLE, label, value: median(rounds), unit: 'req/s', rounds, columns, series: { [CPU_SERIES]: cpuMicros } };
}

export const fleetSchedulerSuite: Suite = {
  name: 'fleet-scheduler',
  title: 'Pluto facade over the worker fleet',
  method: [
    `${WORKERS} worker processes (\`courier worker\`, concurrency \`BENCH_INFLIGHT\` each, no per-origin cap) consume a`,
    'Redis queue (a private `redis-server`, or `REDIS_URL`) and request `/bytes/64` from the canned target server',
    '(its own process). Both rows keep `BENCH_INFLIGHT` requests in flight from the bench process for',
    '`BENCH_DURATION_MS` (at most `BENCH_MAX_REQUESTS`) per round:',
    `- *${SCRIPT}*: one \`Scheduler\` with \`BENCH_INFLIGHT\` coroutines, each looping \`yield* http.request(url)\` over`,
    '  `createPlutoHttp({ transport: createFleetTransport(…) })`;',
    `- *${DIRECT}*: the same request jobs (Pluto's headers and limits, \`attempts: 1\`) enqueued straight on the`,
    '  queue driver, topped up in one enqueue call per turn, results from `subscribe()`.',
    'Rounds alternate the order (A B, B A, …) after an unmeasured warm-up of each; `× queue API` is the median of',
    'the per-round ratios; `CPU µs/req` is the bench process\'s CPU time per request (median), the cost of driving',
    'the fleet from here. Workers and Redis are not pinned: they share the machine with both rows alike.',
  ].join('\n'),

  async run(ctx: BenchContext) {
    const labels = [SCRIPT, DIRECT].filter((label) => ctx.selects(`${TABLE} ${label}`));
    if (labels.length === 0) return [];
    const { settings } = ctx;
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
      const target = await startTarget({ listeners: 1, core: ctx.serverCore });
      cleanups.push(() => target.stop());
      // Redis and the workers run on every core even when the bench process is pinned to one.
      const redis = await startBenchRedis(true);
      cleanups.push(() => redis.stop());
      const resultsDir = await mkdtemp(join(tmpdir(), 'courier-bench-results-'));
      cleanups.push(() => rm(resultsDir, { recursive: true, force: true }));
      // A queue of our own, so a shared REDIS_URL's other queues are left alone (keys expire with retention).
      const queueName = `bench-${randomUUID().slice(0, 8)}`;
      const driver = await createQueue({ redisUrl: redis.url, queueName });
      cleanups.push(() => driver.close());
      const workers = startWorkers(redis.url, queueName, resultsDir, settings.inFlight);
      cleanups.push(() => Promise.all(workers.map((w) => stopChild(w))));
      await waitForWorkers(driver, workers);
      const transport: FleetTransport = createFleetTransport({ redisUrl: redis.url, queueName, resultsDir });
      cleanups.push(() => transport.close());
      await transport.ready();
      const http = createPlutoHttp({ transport });

      const url = `http://127.0.0.1:${target.ports[0]!}/bytes/${BODY_BYTES}`;
      const job: RequestJob = {
        kind: 'request',
        url,
        method: 'GET',
        headers: [
          ['User-Agent', defaultUserAgent],
          ['Accept-Encoding', defaultAcceptEncoding],
        ],
        maxRedirects: 0,
        totalTimeoutMs: 30_000,
        headersTimeoutMs: 0,
        bodyTimeoutMs: 0,
      };
      const measures: Record<string, (ms: number) => Promise<Round>> = {
        [SCRIPT]: (ms: number) => scriptRound(http, url, settings.inFlight, ms, settings.maxRequests),
        [DIRECT]: (ms: number) => queueRound(driver, job, settings.inFlight, ms, settings.maxRequests),
      };
      const figures: Record<string, number[]> = { [SCRIPT]: [], [DIRECT]: [] };
      // The bench process's CPU time per request: what driving the fleet costs here, less exposed than req/s to a busy machine.
      const cpu: Record<string, number[]> = { [SCRIPT]: [], [DIRECT]: [] };
      if (settings.warmupMs > 0) for (const label of labels) await measures[label]!(settings.warmupMs);
      for (let r = 0; r < settings.rounds; r++) {
        const order = r % 2 === 0 ? labels : [...labels].reverse();
        for (const label of order) {
          // No forced full GC before a window: one slowed the next second of load markedly while
          // V8 re-warmed (see the scheduler suite), the scheduler side more than the queue side.
          const cpuBefore = process.cpuUsage();
          const round = await measures[label]!(settings.durationMs);
          const cpuUsed = process.cpuUsage(cpuBefore);
          cpu[label]!.push((cpuUsed.user + cpuUsed.system) / Math.max(1, round.requests));
          if (round.errors > 0) throw new Error(`${label}: ${round.errors} of ${round.requests} requests failed`);
          const perSec = (round.requests * 1000) / round.elapsedMs;
          figures[label]!.push(perSec);
          ctx.log(`${label.padEnd(36)} ${Math.round(perSec).toLocaleString('en-US').padStart(7)} req/s (${round.requests} in ${Math.round(round.elapsedMs)} ms, ${Math.round(cpu[label]!.at(-1)!)} µs CPU/req here)`);
        }
      }
      const x = ratio(figures[SCRIPT]!, figures[DIRECT]!);
      const columns = (label: string, times: string): Record<string, string> => ({ '× queue API': times, 'CPU µs/req (bench process)': `${Math.round(median(cpu[label]!))}` });
      const rows: BenchRow[] = [];
      if (labels.includes(SCRIPT)) rows.push(row(SCRIPT, figures[SCRIPT]!, columns(SCRIPT, showRatio(x)), cpu[SCRIPT]!));
      if (labels.includes(DIRECT)) rows.push(row(DIRECT, figures[DIRECT]!, columns(DIRECT, '1.00'), cpu[DIRECT]!));
      return rows;
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => ctx.log(`cleanup failed: ${String(error)}`));
    }
  },

  verdicts(rows): Verdict[] {
    const script = rows.find((r) => r.table === TABLE && r.label === SCRIPT);
    const direct = rows.find((r) => r.table === TABLE && r.label === DIRECT);
    const target = 'scheduler script through the fleet transport ≥ 0.90× the queue API';
    if (!script || !direct) return [{ target, measured: 'not measured', met: null }];
    const x = ratio(script.rounds, direct.rounds);
    return [{ target, measured: `${showRatio(x)}×`, met: lowerRatio(x) >= 0.9 }];
  },
};
