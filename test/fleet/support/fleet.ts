// A worker fleet for e2e tests: a private Redis (test/harness) and N real worker processes
// (`courier worker`, configured through the environment as in production), each
// stopped when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQueue, type FleetWorkerState, type QueueDriver } from '@courier/queue';
import { onTestFinished } from 'vitest';
import { courierCommand, startRedis, until, type RedisHandle } from '../../harness/index.ts';

export { until };

const workspace = fileURLToPath(new URL('../../../', import.meta.url));

/** Long enough for tsx to compile the worker on a shared 2-core machine. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface FleetWorker {
  readonly workerId: string;
  readonly process: ChildProcess;
  /** Resolves when the process has exited (code, or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  output(): string;
}

export interface Fleet {
  redis: RedisHandle;
  workers: FleetWorker[];
  /** A producer-side driver on the fleet's queue (for the fleet view and direct enqueues). */
  queue: QueueDriver;
  resultsDir: string;
  /** Live workers in the fleet view (hash not expired). */
  view(): Promise<FleetWorkerState[]>;
}

export interface FleetOptions {
  workers?: number;
  /** Jobs in flight per worker (`COURIER_CONCURRENCY`). */
  concurrency?: number;
  /** Extra worker environment (e.g. `COURIER_LOCK_DURATION_MS`). */
  env?: Record<string, string>;
}

/** The workers' heartbeat interval and the TTL of their hash in the fleet view (libs/queue defaults), in milliseconds. */
export const HEARTBEAT_MS = 1_000;
export const TTL_MS = 5_000;

/** Resolves once every live worker has published `n` more heartbeats (so the view shows what happened before the call). */
export async function heartbeats(fleet: Fleet, n: number): Promise<void> {
  const before = new Map((await fleet.view()).map((w) => [w.workerId, w.heartbeatAt]));
  await until(
    async () => (await fleet.view()).every((w) => w.heartbeatAt >= (before.get(w.workerId) ?? 0) + n * HEARTBEAT_MS - HEARTBEAT_MS / 2),
    `${n} heartbeats`,
    30_000,
    100,
  );
}


function startWorker(index: number, redisUrl: string, resultsDir: string, options: FleetOptions): FleetWorker {
  const workerId = `fleet-w${index}`;
  const child = spawn(process.execPath, [...courierCommand, 'worker'], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      COURIER_WORKER_ID: workerId,
      COURIER_CONCURRENCY: String(options.concurrency ?? 32),
      COURIER_ALLOW_DESTINATIONS: 'loopback',
      COURIER_RESULTS_DIR: resultsDir,
      // DESIGN "Tests and traffic": a starved worker must not be taken for dead.
      COURIER_LOCK_DURATION_MS: '30000',
      COURIER_STALLED_INTERVAL_MS: '1000',
      COURIER_MAX_STALLED_COUNT: '2',
      COURIER_SHUTDOWN_GRACE_MS: '2000',
      COURIER_CLOSE_DEADLINE_MS: '2000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { workerId, process: child, exited, output: () => output };
}

async function stopWorker(worker: FleetWorker): Promise<void> {
  const child = worker.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await worker.exited;
  clearTimeout(timer);
}

/** Redis + `workers` worker processes, all live in the fleet view; everything stops when the test ends. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const redis = await startRedis();
  onTestFinished(() => redis.stop());
  const resultsDir = await mkdtemp(join(tmpdir(), 'courier-fleet-results-'));
  onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
  const queue = await createQueue({ redisUrl: redis.url, events: false });
  onTestFinished(() => queue.close());
  const workers = Array.from({ length: options.workers ?? 3 }, (_, i) => startWorker(i + 1, redis.url, resultsDir, options));
  onTestFinished(() => Promise.all(workers.map(stopWorker)).then(() => {}));
  const fleet: Fleet = { redis, workers, queue, resultsDir, view: () => queue.fleet.workers() };
  // No event says "this worker's heartbeat is in Redis": look until all are (bounded).
  let starting = true;
  const diedEarly = new Promise<never>((_, reject) => {
    for (const w of workers) {
      void w.exited.then((code) => {
        if (starting) reject(new Error(`worker ${w.workerId} exited with ${code} before it was ready:\n${w.output()}`));
      });
    }
  });
  diedEarly.catch(() => {});
  try {
    await Promise.race([until(async () => (await fleet.view()).length === workers.length, `${workers.length} workers in the fleet view`, START_TIMEOUT_MS, 100), diedEarly]);
  } finally {
    starting = false;
  }
  return fleet;
}
