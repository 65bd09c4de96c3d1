/**
 * The queue split into N BullMQ queues (shards), for a Redis Cluster: each shard is a whole
 * `BullmqDriver` under its own hash-tagged prefix (shard-routing.ts), so each lands on its own
 * cluster node and the fleet's Redis work spreads over the nodes. A job goes to the shard of its
 * origin; reads by id ask every shard (ids say nothing of the shard); a worker consumes every shard.
 *
 * What a shard boundary changes (docs/scaling.md): the depth bound (`maxDepth`, `maxQueuedBytes`)
 * holds per shard; an enqueue batch that spans shards is validated as a whole first (a bad job
 * adds nothing) but added shard by shard, so QUEUE_FULL or CONFLICT in one shard does not undo the
 * others; an idempotency key is unique within its origin's shard.
 */
import { randomUUID } from 'node:crypto';
import { CourierError, originOf } from '@courier/origin';
import type {
  EnqueueMode,
  EnqueueOptions,
  EnqueueResult,
  FleetView,
  JobHandler,
  JobRecord,
  QueueCounts,
  QueueDriver,
  QueueEvent,
  QueueWorker,
  WorkerOptions,
} from '../driver.ts';
import { prepareJobs } from '../prepare-jobs.ts';
import { resolveQueueOptions } from '../queue-options.ts';
import { BullmqDriver, type BullmqDriverOptions } from '../bullmq/bullmq-driver.ts';
import { SharedSlots } from './shared-slots.ts';
import { shardOf, shardPrefixes } from './shard-routing.ts';

export interface ShardedDriverOptions extends BullmqDriverOptions {
  /** BullMQ queues to split the queue into (`COURIER_QUEUE_SHARDS`). */
  shards: number;
}

export class ShardedDriver implements QueueDriver {
  readonly name = 'bullmq' as const;
  /** The shards, in order; shard i's prefix is `prefixes[i]`. */
  readonly shards: readonly BullmqDriver[];
  readonly prefixes: readonly string[];
  /** Fleet state lives in shard 0 (every worker publishes there once, whatever it consumes). */
  readonly fleet: FleetView;
  readonly #sensitive: ReadonlySet<string>;

  private constructor(shards: BullmqDriver[], prefixes: string[], sensitive: ReadonlySet<string>) {
    this.shards = shards;
    this.prefixes = prefixes;
    this.fleet = shards[0]!.fleet;
    this.#sensitive = sensitive;
  }

  static async create(options: ShardedDriverOptions): Promise<ShardedDriver> {
    if (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > 1024) {
      throw new CourierError('BAD_OPTION', 'shards must be an integer from 1 to 1024');
    }
    const resolved = resolveQueueOptions(options);
    const prefixes = shardPrefixes(resolved.prefix, options.shards, Boolean(options.clusterNodes?.length));
    const shards = await Promise.all(prefixes.map((prefix) => BullmqDriver.create({ ...options, prefix })));
    return new ShardedDriver(shards, prefixes, resolved.sensitiveHeaders);
  }

  /** The shard index a job to `url` goes to. */
  shardOfUrl(url: string): number {
    return shardOf(originOf(url), this.shards.length);
  }

  async enqueue(jobs: readonly unknown[], options?: EnqueueOptions | EnqueueOptions[], mode?: EnqueueMode): Promise<EnqueueResult[]> {
    if (this.shards.length === 1) return this.shards[0]!.enqueue(jobs, options, mode);
    // The whole batch is checked before any shard adds a job: a bad job adds nothing anywhere.
    const prepared = prepareJobs(jobs, options, this.#sensitive);
    const groups = new Map<number, number[]>();
    prepared.forEach((p, index) => {
      const shard = this.shardOfUrl(p.stored.url);
      const group = groups.get(shard);
      if (group) group.push(index);
      else groups.set(shard, [index]);
    });
    const results: EnqueueResult[] = new Array<EnqueueResult>(jobs.length);
    const settled = await Promise.allSettled(
      [...groups].map(async ([shard, indexes]) => {
        const own = Array.isArray(options) ? indexes.map((i) => options[i]!) : options;
        const added = await this.shards[shard]!.enqueue(indexes.map((i) => jobs[i]), own, mode);
        added.forEach((result, k) => (results[indexes[k]!] = result));
      }),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return results;
  }

  /** The first shard's answer that is not null (a job id lives in one shard). */
  async #find<T>(ask: (shard: BullmqDriver) => Promise<T | null>): Promise<T | null> {
    const answers = await Promise.all(this.shards.map(ask));
    return answers.find((a) => a !== null) ?? null;
  }

  get(id: string): Promise<JobRecord | null> {
    return this.#find((s) => s.get(id));
  }

  async wait(id: string, timeoutMs: number): Promise<JobRecord | null> {
    const found = await Promise.all(this.shards.map(async (s) => ((await s.get(id)) ? s : null)));
    const shard = found.find((s) => s !== null);
    return shard ? shard.wait(id, timeoutMs) : null;
  }

  async cancel(id: string): Promise<boolean> {
    return (await Promise.all(this.shards.map((s) => s.cancel(id)))).some(Boolean);
  }

  async retry(id: string): Promise<boolean> {
    return (await Promise.all(this.shards.map((s) => s.retry(id)))).some(Boolean);
  }

  /** Failed jobs of every shard, newest first, then `start`…`end` (inclusive; -1 = all) of those. */
  async listFailed(start = 0, end = -1): Promise<JobRecord[]> {
    const all = (await Promise.all(this.shards.map((s) => s.listFailed(0, end)))).flat();
    all.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
    return all.slice(start, end < 0 ? undefined : end + 1);
  }

  async counts(): Promise<QueueCounts> {
    const total: QueueCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const c of await Promise.all(this.shards.map((s) => s.counts()))) {
      for (const key of Object.keys(total) as Array<keyof QueueCounts>) total[key] += c[key];
    }
    return total;
  }

  subscribe(listener: (event: QueueEvent) => void): () => void {
    const stops = this.shards.map((s) => s.subscribe(listener));
    return () => stops.forEach((stop) => stop());
  }

  /**
   * One BullMQ worker per shard, each allowed the whole `concurrency`, with the job slots shared
   * between them first come first served (shared-slots.ts); only the first publishes fleet state
   * and answers closeconnections (for the whole process).
   */
  startWorker(handler: JobHandler, options: WorkerOptions): QueueWorker {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new CourierError('BAD_OPTION', 'concurrency must be a positive integer');
    const id = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    const slots = new SharedSlots(options.concurrency);
    const shared: JobHandler =
      this.shards.length === 1
        ? handler
        : async (job) => {
            await slots.take(job.signal);
            try {
              return await handler(job);
            } finally {
              slots.give();
            }
          };
    const { fleet, ...rest } = options;
    const workers = this.shards.map((shard, i) => shard.startWorker(shared, { ...rest, workerId: id, ...(i === 0 && fleet ? { fleet } : {}) }));
    return {
      id,
      close: async (graceMs?: number) => {
        await Promise.all(workers.map((w) => w.close(graceMs)));
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
