/**
 * What Courier's job records cost BullMQ and Redis, apart from any HTTP: the same BullMQ `Worker`
 * (in the bench process, concurrency as the workers') drains two queues whose processor returns
 * a canned result at once. One queue is filled by `Queue.addBulk` with the plain worker's data
 * (`{ url }`, BullMQ's own numeric ids) and gets the plain worker's result; the other by Courier's
 * `enqueue` (its random 20-character ids, its data and options) and gets a real Courier result
 * record (from `runRequestJob` against the target). The difference between the two rows is what
 * the records alone cost per job: parsing bigger options and data, longer keys, a bigger result
 * stored twice (the job hash and the event stream).
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobResult } from '@courier/queue';
import { processCpuMicros } from './process-cpu.ts';
import type { BenchQueue } from './queues.ts';
import { median, ratio, showRatio } from '../stats.ts';
import type { BenchRow } from '../suite.ts';

export interface RecordSide {
  label: string;
  queue: BenchQueue;
  /** Its queue's BullMQ name and prefix, for the worker. */
  name: string;
  prefix: string;
  /** What the processor returns for every job. */
  result: JobResult | object;
}

interface Figures {
  workerCpu: number[];
  redisCpu: number[];
}

/** Drains `jobs` jobs of one side; returns this process's CPU µs per job (its BullMQ worker, plus the completion polling both sides share) and Redis's. */
async function drainOnce(side: RecordSide, redisPid: number | null, jobs: number): Promise<{ worker: number; redis: number | null }> {
  await side.queue.fill(jobs);
  const redisBefore = redisPid === null ? null : await processCpuMicros(redisPid);
  const before = process.cpuUsage();
  await side.queue.drain(jobs);
  const cpu = process.cpuUsage(before);
  const redisAfter = redisPid === null ? null : await processCpuMicros(redisPid);
  await side.queue.reset();
  return { worker: (cpu.user + cpu.system) / jobs, redis: redisBefore === null || redisAfter === null ? null : (redisAfter - redisBefore) / jobs };
}

export async function measureRecordShapes(
  sides: readonly [RecordSide, RecordSide],
  redis: { url: string; pid: number | null },
  options: { concurrency: number; jobs: number; warmJobs: number; rounds: number; table: string; log(line: string): void },
): Promise<BenchRow[]> {
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  try {
    for (const side of sides) {
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      connections.push(connection);
      const worker = new Worker(side.name, async () => side.result, { connection, prefix: side.prefix, concurrency: options.concurrency });
      worker.on('error', () => {});
      workers.push(worker);
    }
    const figures: Figures[] = sides.map(() => ({ workerCpu: [], redisCpu: [] }));
    for (let i = 0; i < sides.length; i++) await drainOnce(sides[i]!, redis.pid, options.warmJobs);
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < sides.length; k++) {
        const i = (k + round) % sides.length;
        const m = await drainOnce(sides[i]!, redis.pid, options.jobs);
        figures[i]!.workerCpu.push(m.worker);
        if (m.redis !== null) figures[i]!.redisCpu.push(m.redis);
        options.log(`records: ${sides[i]!.label.padEnd(44)} BullMQ ${m.worker.toFixed(1)} µs CPU/job, Redis ${m.redis === null ? '–' : m.redis.toFixed(1)} µs/job`);
      }
    }
    const base = figures[0]!;
    return sides.map((side, i) => {
      const f = figures[i]!;
      return {
        table: options.table,
        label: side.label,
        value: median(f.workerCpu),
        unit: 'BullMQ worker CPU µs/job',
        rounds: f.workerCpu,
        columns: {
          'µs/job over the plain records (BullMQ worker)': (median(f.workerCpu) - median(base.workerCpu)).toFixed(1),
          '× plain records by BullMQ worker CPU': showRatio(ratio(base.workerCpu, f.workerCpu)),
          'Redis CPU µs/job': f.redisCpu.length > 0 ? median(f.redisCpu).toFixed(1) : '–',
          'result bytes (JSON)': String(Buffer.byteLength(JSON.stringify(side.result))),
        },
      };
    });
  } finally {
    for (const worker of workers) await worker.close().catch(() => {});
    for (const connection of connections) await connection.quit().catch(() => {});
  }
}
