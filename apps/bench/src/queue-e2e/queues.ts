import { createQueue, queueDefaults, type QueueDriver, type RequestJob, type RetentionOptions } from '@courier/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { PlainJobData } from './plain-worker.ts';

/** Jobs per `enqueue` / `addBulk` call. */
export const BATCH = 1_000;
/** Bound on one round's wait for its jobs to finish, in milliseconds. */
const DRAIN_TIMEOUT_MS = 120_000;
/** How often the completed count is read while a round runs, in milliseconds. */
const POLL_MS = 5;

/**
 * Retention for both sides: completed jobs are kept for the whole run (the suite counts them and
 * cleans them between rounds), with Courier's default age. The plain jobs get the same
 * `removeOnComplete` / `removeOnFail`, so BullMQ does the same bookkeeping on both.
 */
export const benchRetention: RetentionOptions = { completedAgeMs: 3_600_000, completedCount: 1_000_000, failedAgeMs: 86_400_000, failedCount: 10_000 };
const keep = (ageMs: number, count: number) => ({ age: Math.ceil(ageMs / 1000), count });
const plainJobOptions = {
  removeOnComplete: keep(benchRetention.completedAgeMs, benchRetention.completedCount),
  removeOnFail: keep(benchRetention.failedAgeMs, benchRetention.failedCount),
};

/** One queue of the suite, as the bench drives it: fill it while paused, release, count. */
export interface BenchQueue {
  readonly name: string;
  /** Adds `count` jobs in batches of {@link BATCH} (the queue is paused); returns the time taken, in milliseconds. */
  fill(count: number): Promise<number>;
  /** Resumes the queue and resolves when `count` requests have completed (throws on a failed one); returns the time taken, in milliseconds. */
  drain(count: number): Promise<number>;
  /** Pauses the queue and removes its completed jobs, for the next round. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Pause, resume, counts and cleaning, through a plain BullMQ `Queue` on the queue's keys. */
function control(redisUrl: string, prefix: string, name: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  queue.on('error', () => {});
  return {
    queue,
    async drain(count: number): Promise<number> {
      const started = performance.now();
      await queue.resume();
      // Plain ZCARDs rather than getJobCounts (a Lua script): the polling stays apart from the
      // workers' own scripts in Redis's command statistics.
      const completedKey = `${prefix}:${name}:completed`;
      const failedKey = `${prefix}:${name}:failed`;
      for (;;) {
        const [completed, failed] = await Promise.all([connection.zcard(completedKey), connection.zcard(failedKey)]);
        if (failed > 0) {
          const [job] = await queue.getFailed(0, 0);
          throw new Error(`${name}: a job failed (${job?.failedReason ?? 'no reason recorded'})`);
        }
        if (completed >= count) return performance.now() - started;
        if (performance.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`${name}: ${completed} of ${count} jobs completed within ${DRAIN_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async reset(): Promise<void> {
      await queue.pause();
      // clean() removes at most `limit` per call; loop until none are left.
      while ((await queue.clean(0, 10_000, 'completed')).length > 0);
    },
    async close(): Promise<void> {
      await queue.close();
      await connection.quit();
    },
  };
}

async function timed(op: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

/**
 * BullMQ jobs that carry `count` requests filled `BATCH` at a time: one each, or with batch jobs
 * (one origin here) one per `queueDefaults.batch.maxJobs` of every enqueue call.
 */
function queueJobsFor(count: number, batch: boolean): number {
  if (!batch) return count;
  let jobs = 0;
  for (let done = 0; done < count; done += BATCH) jobs += Math.ceil(Math.min(BATCH, count - done) / queueDefaults.batch.maxJobs);
  return jobs;
}

/**
 * Courier's producer: `@courier/queue` `createQueue({ redisUrl })` and `enqueue(batch)` (validation,
 * credentials split, ids …); with `batch`, `enqueue(batch, undefined, { batch: true })` (batch jobs,
 * one job shape only: the batches are counted as for one origin). Several jobs: enqueued in turn,
 * job i of the round is jobs[i mod n] (the contended row's origins).
 */
export async function courierBenchQueue(redisUrl: string, prefix: string, name: string, job: RequestJob | readonly RequestJob[], batch = false): Promise<BenchQueue & { driver: QueueDriver }> {
  const jobs: readonly RequestJob[] = Array.isArray(job) ? job : [job as RequestJob];
  if (batch && jobs.length > 1) throw new Error('courierBenchQueue: batch jobs of one job shape only');
  // The bench fills a paused queue past the service's default depth bound on purpose (long BENCH_DURATION_MS).
  const driver = await createQueue({ redisUrl, prefix, queueName: name, retention: benchRetention, events: false, maxDepth: 1_000_000_000, maxQueuedBytes: 2 ** 50 });
  const c = control(redisUrl, prefix, name);
  await c.queue.pause();
  return {
    name,
    driver,
    fill: (count) =>
      timed(async () => {
        for (let done = 0; done < count; done += BATCH) await driver.enqueue(Array.from({ length: Math.min(BATCH, count - done) }, (_, i) => jobs[(done + i) % jobs.length]!), undefined, { batch });
      }),
    // BullMQ counts batch jobs: the requests are done when every batch job is.
    drain: (count) => c.drain(queueJobsFor(count, batch)),
    reset: () => c.reset(),
    close: async () => {
      await c.close();
      await driver.close();
    },
  };
}

/** The plain producer: BullMQ `Queue.addBulk` with the URL as the job's data. */
export async function plainBenchQueue(redisUrl: string, prefix: string, name: string, data: PlainJobData): Promise<BenchQueue> {
  const c = control(redisUrl, prefix, name);
  await c.queue.pause();
  return {
    name,
    fill: (count) =>
      timed(async () => {
        for (let done = 0; done < count; done += BATCH) {
          await c.queue.addBulk(Array.from({ length: Math.min(BATCH, count - done) }, () => ({ name: 'request', data, opts: plainJobOptions })));
        }
      }),
    drain: (count) => c.drain(count),
    reset: () => c.reset(),
    close: () => c.close(),
  };
}
