/**
 * The distributed driver: BullMQ 6 on Redis (ioredis 6). Any number of producers and workers, on any
 * number of machines, share one queue. Courier keeps beside BullMQ's keys only what BullMQ has no
 * place for: credentials (split off, short-lived), cancel markers, fleet limits and fleet state.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { CourierError } from '@courier/origin';
import { Job, Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type {
  EnqueueMode,
  EnqueueOptions,
  EnqueueResult,
  FleetView,
  JobError,
  JobHandler,
  JobRecord,
  JobState,
  QueueCounts,
  QueueDriver,
  QueueEvent,
  QueueWorker,
  WorkerOptions,
} from '../driver.ts';
import { broadcastCloseConnections, readFleetState } from '../fleet-state.ts';
import type { JobKind } from '../job-schema.ts';
import { prepareJobs, storedJobData, type PreparedJob, type StoredJobData } from '../prepare-jobs.ts';
import { resolveQueueOptions, type CreateQueueOptions, type ResolvedQueueOptions } from '../queue-options.ts';
import { RedisLimitStore } from '../../redis/redis-limit-store.ts';
import { recordOf, stateOf, type CourierJob } from './bullmq-records.ts';
import { BullmqQueueWorker } from './bullmq-worker.ts';
import { createRedisConnection, guarded, toQueueError } from './redis-connection.ts';
import type { ClusterNode } from '../cluster/cluster-connection.ts';
import { courierKeys, type CourierKeys } from './queue-keys.ts';
import { courierBackoff } from './retryable-error.ts';
import { decodeFailedReason } from './failed-reason.ts';
import { SecretsStore } from './secrets-store.ts';
import { depthLedgerKeys, releaseDepth, reserveDepth, type DepthLedgerKeys } from './depth-ledger.ts';
import { stageBulk } from './staged-add.ts';
import { payloadBytes } from '../depth/queue-depth.ts';
import { isReservedJobId, isWrongTypeError } from './reserved-ids.ts';
import { packBatches } from '../batch-packing.ts';
import { addBatchMembers, BATCH_JOB_ATTEMPTS, BATCH_JOB_NAME, finishBatchMembers, isBatchJobId, memberState, newBatchJobId, takeBackOrphanedMembers, type BatchJobData } from './batch-members.ts';
import { expandBatchEvents } from './batch-events.ts';

export interface BullmqDriverOptions extends CreateQueueOptions {
  redisUrl: string;
  /** Open the event reader at once (producers, servers); workers don't need one. Default true. */
  events?: boolean;
  /** Seed nodes of a Redis Cluster: connect with an ioredis `Cluster` (the prefix must be hash-tagged, see sharded-driver.ts). */
  clusterNodes?: readonly ClusterNode[];
}

const finishedStates: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

// BullMQ runs lower numbers first and jobs without a priority before any prioritized one; the
// contract's "higher runs first" maps onto the middle of BullMQ's range (0 … 2^21).
const PRIORITY_MIDPOINT = 1_048_576;

export class BullmqDriver implements QueueDriver {
  readonly name = 'bullmq' as const;
  readonly fleet: FleetView;
  readonly #options: ResolvedQueueOptions & { redisUrl: string; clusterNodes?: readonly ClusterNode[] };
  readonly #producer: Redis;
  readonly #queue: Queue<StoredJobData, unknown, JobKind>;
  readonly #keys: CourierKeys;
  readonly #depthKeys: DepthLedgerKeys;
  readonly #secrets: SecretsStore;
  readonly #workers = new Set<BullmqQueueWorker>();
  #events: Promise<QueueEvents> | null = null;
  #closing: Promise<void> | null = null;

  private constructor(options: BullmqDriverOptions) {
    this.#options = { ...resolveQueueOptions(options), redisUrl: options.redisUrl, ...(options.clusterNodes ? { clusterNodes: options.clusterNodes } : {}) };
    const { prefix, queueName, retention } = this.#options;
    this.#keys = courierKeys(prefix, queueName);
    this.#depthKeys = depthLedgerKeys(prefix, queueName);
    this.#secrets = new SecretsStore(this.#keys, Math.max(retention.completedAgeMs, retention.failedAgeMs));
    this.#producer = createRedisConnection(options.redisUrl, 'producer', this.#options.commandTimeoutMs, options.clusterNodes);
    this.#producer.on('error', (error: unknown) => this.#options.logger?.debug({ err: error }, 'producer Redis connection error'));
    this.#queue = new Queue<StoredJobData, unknown, JobKind>(queueName, { connection: this.#producer, prefix });
    this.#queue.on('error', (error: unknown) => this.#options.logger?.debug({ err: error }, 'queue error'));
    this.fleet = {
      workers: () => this.#guard('read fleet state', () => readFleetState(this.#producer, { prefix, queueName })),
      closeConnections: (remote, o) =>
        broadcastCloseConnections(this.#producer, { prefix, queueName, ...(remote === undefined ? {} : { remote }), ...(o?.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }).catch(
          (error: unknown) => {
            throw toQueueError(error, 'closeconnections');
          },
        ),
    };
  }

  /** Connects (waiting up to the command timeout; after it, calls fail with `QUEUE_UNAVAILABLE` until Redis is back). */
  static async create(options: BullmqDriverOptions): Promise<BullmqDriver> {
    const driver = new BullmqDriver(options);
    const wait = driver.#options.commandTimeoutMs;
    await guarded('connect', wait, () => driver.#queue.waitUntilReady()).catch((error: unknown) => {
      driver.#options.logger?.warn({ err: error }, 'Redis not reachable yet; queue calls fail with QUEUE_UNAVAILABLE until it is');
    });
    if (options.events !== false) await guarded('open events', wait, () => driver.#ensureEvents()).catch(() => {});
    return driver;
  }

  #guard<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new CourierError('QUEUE_UNAVAILABLE', `${what}: the queue is closed`));
    return guarded(what, this.#options.commandTimeoutMs, op);
  }

  async enqueue(jobs: readonly unknown[], options?: EnqueueOptions | EnqueueOptions[], mode?: EnqueueMode): Promise<EnqueueResult[]> {
    const prepared = prepareJobs(jobs, options, this.#options.sensitiveHeaders);
    return this.#guard('enqueue', () => this.#enqueue(prepared, mode?.batch === true));
  }

  async #readStored(ids: readonly string[]): Promise<Array<StoredJobData | null>> {
    if (ids.length === 0) return [];
    const pipeline = this.#producer.pipeline();
    for (const id of ids) pipeline.hget(this.#keys.job(id), 'data');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      return typeof value === 'string' ? (JSON.parse(value) as StoredJobData) : null;
    });
  }

  async #enqueue(prepared: PreparedJob[], batch: boolean): Promise<EnqueueResult[]> {
    const outcome = new Map<string, EnqueueResult>();
    // 1. Keys already taken: the same payload is a duplicate, another one a CONFLICT — found
    //    before anything is added, so a batch with a conflict adds nothing.
    const keyed = [...new Map(prepared.filter((p) => p.keyed).map((p) => [p.id, p])).values()];
    if (keyed.length === 0) return this.#enqueueFresh(prepared, batch);
    const existing = await this.#readStored(keyed.map((p) => p.id));
    keyed.forEach((p, i) => {
      const stored = existing[i];
      if (!stored) return;
      if (stored.payloadHash !== p.payloadHash) throw new CourierError('CONFLICT', `idempotency key already used for another payload (job ${p.id})`);
      outcome.set(p.id, { id: p.id, duplicate: true });
    });
    // A duplicate that is a request of a batch job never added (batch-members.ts) is added again.
    for (const id of await takeBackOrphanedMembers(this.#producer, this.#keys, [...outcome.keys()])) outcome.delete(id);
    const fresh = [...new Map(prepared.filter((p) => !outcome.has(p.id)).map((p) => [p.id, p])).values()];
    const added = await this.#enqueueFresh(fresh, batch);
    for (const result of added) outcome.set(result.id, result);
    return prepared.map((p) => outcome.get(p.id)!);
  }

  /** Steps 2 to 5 for jobs not found under their keys: each id once (random ids are unique). */
  async #enqueueFresh(fresh: PreparedJob[], batch: boolean): Promise<EnqueueResult[]> {
    // 2. Depth bound, in jobs and payload bytes: checked and reserved in one script (exact across
    //    producers); given back by the workers as jobs finish, or below on a failed add. While
    //    Redis runs it, the adds are built (staged-add.ts): nothing is sent before it answers.
    const limits = { maxJobs: this.#options.maxDepth, maxBytes: this.#options.maxQueuedBytes };
    const reserved = reserveDepth(this.#producer, this.#depthKeys, limits, fresh.map((p) => [p.id, payloadBytes(p.stored)] as const));
    // Read below; this only keeps a failure while staging from leaving it unhandled.
    reserved.catch(() => {});
    const token = randomUUID();
    let send: (() => Promise<unknown>) | null = null;
    try {
      if (!batch && fresh.length > 0) send = await this.#stage(fresh, token);
    } catch (error) {
      await reserved.then(() => releaseDepth(this.#producer, this.#depthKeys, fresh.map((p) => p.id), true)).catch(() => {});
      throw error;
    }
    await reserved;
    try {
      await this.#add(fresh, token, batch ? null : send, batch);
    } catch (error) {
      await releaseDepth(this.#producer, this.#depthKeys, fresh.map((p) => p.id), true).catch(() => {});
      throw error;
    }

    // 5. Keyed jobs: did we add them, or did a racing producer? (Its payload may differ.)
    const freshKeyed = fresh.filter((p) => p.keyed);
    const after = await this.#readStored(freshKeyed.map((p) => p.id));
    const raced = new Set<string>();
    freshKeyed.forEach((p, i) => {
      const stored = after[i];
      if (!stored || stored.token === token) return;
      if (stored.payloadHash !== p.payloadHash) throw new CourierError('CONFLICT', `idempotency key already used for another payload (job ${p.id})`);
      raced.add(p.id);
    });
    return fresh.map((p) => ({ id: p.id, duplicate: raced.has(p.id) }));
  }

  #retentionOptions() {
    const { retention } = this.#options;
    const keep = (ageMs: number, count: number) => ({ age: Math.max(1, Math.ceil(ageMs / 1000)), count });
    return { removeOnComplete: keep(retention.completedAgeMs, retention.completedCount), removeOnFail: keep(retention.failedAgeMs, retention.failedCount) };
  }

  /** Plain jobs, built for BullMQ and queued on a pipeline; sent by the returned function. */
  #stage(fresh: PreparedJob[], token: string): Promise<() => Promise<string[]>> {
    const { removeOnComplete, removeOnFail } = this.#retentionOptions();
    return stageBulk(
      this.#queue,
      fresh.map((p) => {
        const opts: JobsOptions & { jobId: string } = { jobId: p.id, attempts: p.attempts, backoff: courierBackoff, removeOnComplete, removeOnFail };
        if (p.delayMs > 0) opts.delay = p.delayMs;
        if (p.priority !== undefined) opts.priority = PRIORITY_MIDPOINT - p.priority;
        return { name: p.kind, data: storedJobData(p, token), opts };
      }),
    );
  }

  /** Steps 3 and 4: `send` adds the staged plain jobs (none when `fresh` is empty); with `batch`, `fresh` go as batch jobs. */
  async #add(fresh: PreparedJob[], token: string, send: (() => Promise<unknown>) | null, batch: boolean): Promise<void> {
    // 3. Credentials first (the worker may take the job the moment it is added); stale cancel
    //    markers of a removed job with the same key go.
    const withSecrets = fresh.filter((p) => p.secrets);
    await this.#secrets.storeMany(this.#producer, withSecrets.map((p) => ({ id: p.id, headers: p.secrets! })));
    const reusedKeys = fresh.filter((p) => p.keyed).map((p) => this.#keys.cancelled(p.id));
    if (reusedKeys.length > 0) await this.#producer.del(...reusedKeys);

    // 4. Add. BullMQ ignores an add whose id exists, so a racing producer's job survives intact.
    if (!batch) {
      await send?.();
      return;
    }
    const { removeOnComplete, removeOnFail } = this.#retentionOptions();
    await this.#addBatches(fresh, token, removeOnComplete, removeOnFail);
  }

  /**
   * Batch jobs: the requests first, each in its own hash (a key a racing producer took is left
   * alone and its request left out), then one queue job per batch carrying their ids.
   */
  async #addBatches(fresh: PreparedJob[], token: string, removeOnComplete: { age: number; count: number }, removeOnFail: { age: number; count: number }): Promise<void> {
    const now = Date.now();
    const batches = packBatches(fresh, this.#options.batch).map((b) => ({ ...b, id: newBatchJobId() }));
    const created = await Promise.all(
      batches.map((b) =>
        addBatchMembers(
          this.#producer,
          this.#keys,
          b.id,
          now,
          b.delayMs > 0,
          b.members.map((p) => ({ id: p.id, kind: p.kind, data: storedJobData(p, token), attempts: p.attempts, bytes: payloadBytes(p.stored) })),
        ),
      ),
    );
    const jobs = batches.flatMap((b, i) => {
      const members = b.members.filter((_, j) => created[i]![j]).map((p) => p.id);
      if (members.length === 0) return [];
      const data: BatchJobData = { members, url: b.members[0]!.stored.url };
      return [
        {
          name: BATCH_JOB_NAME as JobKind,
          data: data as unknown as StoredJobData,
          opts: {
            jobId: b.id,
            // The batch job's own attempts: a delivery that failed as a whole (Redis away mid-run)
            // runs again; its requests keep their own attempt counts.
            attempts: BATCH_JOB_ATTEMPTS,
            backoff: courierBackoff,
            removeOnComplete,
            removeOnFail,
            ...(b.delayMs > 0 ? { delay: b.delayMs } : {}),
            ...(b.priority !== undefined ? { priority: PRIORITY_MIDPOINT - b.priority } : {}),
          },
        },
      ];
    });
    try {
      if (jobs.length > 0) await this.#queue.addBulk(jobs);
    } catch (error) {
      // Requests without their batch job would never run: take them back (best effort; Redis may be away).
      const ours = batches.flatMap((b, i) => b.members.filter((_, j) => created[i]![j]).map((p) => this.#keys.job(p.id)));
      if (ours.length > 0) await this.#producer.del(...ours).catch(() => {});
      throw error;
    }
  }

  async get(id: string): Promise<JobRecord | null> {
    // One of BullMQ's own key names is not asked of Redis: it is never a job.
    // Nor is a batch job: it carries requests, it is not one.
    if (typeof id !== 'string' || id.length === 0 || id.length > 200 || isReservedJobId(id) || isBatchJobId(id)) return null;
    return this.#guard('get', () => this.#get(id));
  }

  async #get(id: string): Promise<JobRecord | null> {
    const [job, bullState, tomb, member] = await Promise.all([
      Job.fromId<StoredJobData, unknown, JobKind>(this.#queue, id) as Promise<CourierJob | undefined>,
      this.#queue.getJobState(id),
      this.#producer.get(this.#keys.cancelled(id)),
      // A request of a batch job keeps its state in its own hash (batch-members.ts).
      this.#producer.hget(this.#keys.job(id), 'state'),
    ]).catch((error: unknown) => {
      // A key that is not a job hash: no such job (Redis is fine).
      if (isWrongTypeError(error)) return [undefined, 'unknown', null, null] as const;
      throw error;
    });
    if (!job) return tomb ? (JSON.parse(tomb) as JobRecord) : null;
    const state = bullState === 'unknown' ? memberState(member) : stateOf(bullState, tomb !== null);
    return state ? recordOf(job, state) : null;
  }

  async wait(id: string, timeoutMs: number): Promise<JobRecord | null> {
    if (isReservedJobId(id) || isBatchJobId(id)) return null;
    // Only the Redis calls have the command deadline; the wait itself lasts up to `timeoutMs`.
    const look = () => this.#guard('wait', () => this.#get(id));
    // Per-job event names (`completed:<id>`) are not in QueueEvents' typed listener map.
    const events = (await this.#guard('wait', () => this.#ensureEvents())) as unknown as EventEmitter;
    return new Promise<JobRecord | null>((resolve, reject) => {
      const names = ['completed', 'failed', 'courier:cancelled'].map((e) => `${e}:${id}`);
      let done = false;
      /** Stops listening; false when the wait had ended already. */
      const stop = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        for (const name of names) events.off(name, finish);
        return true;
      };
      const finish = () => {
        if (stop()) look().then(resolve, reject);
      };
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      for (const name of names) events.on(name, finish);
      // Listening first, then looking: a job that finished in between is seen either way. A job
      // already finished (or gone) is answered with this look's record, without a second one.
      look().then(
        (record) => {
          if ((!record || finishedStates.has(record.state)) && stop()) resolve(record);
        },
        (error: unknown) => {
          if (stop()) reject(error);
        },
      );
    });
  }

  async cancel(id: string): Promise<boolean> {
    if (isReservedJobId(id) || isBatchJobId(id)) return false;
    return this.#guard('cancel', async () => {
      const record = await this.#get(id);
      if (!record || finishedStates.has(record.state)) return false;
      if (await this.#isBatchMember(id)) return this.#cancelMember(id);
      const tomb: JobRecord = { ...record, state: 'cancelled', finishedAt: Date.now(), error: { code: 'ABORTED', message: 'job cancelled' } };
      const ttlMs = Math.max(1, this.#options.retention.failedAgeMs);
      await this.#producer.set(this.#keys.cancelled(id), JSON.stringify(tomb), 'PX', ttlMs);
      // Every worker hears it: the one running the job aborts it; the others remember it briefly
      // in case the job is between BullMQ's lock and their processor.
      await this.#producer.publish(this.#keys.cancelChannel, id);
      if (record.state !== 'active' && (await this.#queue.remove(id)) === 1) {
        await releaseDepth(this.#producer, this.#depthKeys, [id], true);
        await this.#secrets.delete(this.#producer, [id]);
        await this.#producer.xadd(this.#keys.events, 'MAXLEN', '~', 10_000, '*', 'event', 'courier:cancelled', 'jobId', id);
      }
      return true;
    });
  }

  async #isBatchMember(id: string): Promise<boolean> {
    return (await this.#producer.hexists(this.#keys.job(id), 'batch')) === 1;
  }

  /** One request of a batch job: recorded cancelled at once; the worker running it (if one is) aborts it alone. */
  async #cancelMember(id: string): Promise<boolean> {
    const ttlMs = Math.max(1, this.#options.retention.failedAgeMs);
    const [cancelled] = await finishBatchMembers(this.#producer, this.#keys, [{ id, batchId: null, outcome: { type: 'cancelled', keepMs: ttlMs } }]);
    if (!cancelled) return false;
    // Its room in the depth ledger went back in the same script call.
    await this.#producer.publish(this.#keys.cancelChannel, id);
    await this.#secrets.delete(this.#producer, [id]);
    return true;
  }

  async listFailed(start = 0, end = -1): Promise<JobRecord[]> {
    return this.#guard('listFailed', async () => {
      const jobs = (await this.#queue.getFailed(start, end)) as CourierJob[];
      if (jobs.length === 0) return [];
      const pipeline = this.#producer.pipeline();
      for (const job of jobs) pipeline.exists(this.#keys.cancelled(job.id!));
      const marks = (await pipeline.exec()) ?? [];
      return jobs.map((job, i) => recordOf(job, marks[i]?.[1] === 1 ? 'cancelled' : 'failed'));
    });
  }

  async retry(id: string): Promise<boolean> {
    if (isReservedJobId(id) || isBatchJobId(id)) return false;
    return this.#guard('retry', async () => {
      if (await this.#isBatchMember(id)) return this.#retryMember(id);
      const job = (await Job.fromId<StoredJobData, unknown, JobKind>(this.#queue, id)) as CourierJob | undefined;
      if (!job || (await job.getState()) !== 'failed') return false;
      await this.#producer.del(this.#keys.cancelled(id));
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      // Queued again: it holds its room again (an operator's retry is never refused for a full queue).
      await reserveDepth(this.#producer, this.#depthKeys, { maxJobs: 0, maxBytes: 0 }, [[id, payloadBytes(job.data.input)]], false);
      return true;
    });
  }

  /** A failed request of a batch job runs again, alone in a new batch job, with its attempts reset. */
  async #retryMember(id: string): Promise<boolean> {
    const key = this.#keys.job(id);
    const [state, data] = await this.#producer.hmget(key, 'state', 'data');
    if (state !== 'failed' || !data) return false;
    const batchId = newBatchJobId();
    // Two racing retries each add a batch job, but the request names only the last writer as its
    // batch: the other's claim skips it, so it runs once.
    await this.#producer.multi().hset(key, 'state', 'waiting', 'batch', batchId, 'atm', 0).hdel(key, 'finishedOn', 'returnvalue').persist(key).exec();
    const { retention } = this.#options;
    const keep = (ageMs: number, count: number) => ({ age: Math.max(1, Math.ceil(ageMs / 1000)), count });
    const batchData: BatchJobData = { members: [id], url: (JSON.parse(data) as StoredJobData).input?.url };
    await this.#queue.add(BATCH_JOB_NAME as JobKind, batchData as unknown as StoredJobData, {
      jobId: batchId,
      attempts: BATCH_JOB_ATTEMPTS,
      backoff: courierBackoff,
      removeOnComplete: keep(retention.completedAgeMs, retention.completedCount),
      removeOnFail: keep(retention.failedAgeMs, retention.failedCount),
    });
    await reserveDepth(this.#producer, this.#depthKeys, { maxJobs: 0, maxBytes: 0 }, [[id, payloadBytes((JSON.parse(data) as StoredJobData).input)]], false);
    return true;
  }

  async counts(): Promise<QueueCounts> {
    return this.#guard('counts', async () => {
      // BullMQ 6 keeps a paused queue's jobs in `wait` (the pause is a flag on the queue's meta):
      // there is no `paused` list to count any more.
      const c = await this.#queue.getJobCounts('wait', 'prioritized', 'waiting-children', 'active', 'delayed', 'completed', 'failed');
      return {
        waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
    });
  }

  /**
   * Events of every job, read from BullMQ's event stream (capped: subscribe before adding, and
   * re-check a job's state with `get` rather than count on seeing every event).
   */
  subscribe(listener: (event: QueueEvent) => void): () => void {
    let detach: (() => void) | null = null;
    let unsubscribed = false;
    const safe = (event: QueueEvent) => {
      try {
        listener(event);
      } catch (error) {
        this.#options.logger?.warn({ err: error }, 'queue event listener threw');
      }
    };
    const handlers: Record<string, (args: Record<string, unknown>) => void> = {
      active: (a) => safe({ type: 'active', id: String(a.jobId) }),
      progress: (a) => safe({ type: 'progress', id: String(a.jobId), progress: a.data as never }),
      completed: (a) => safe({ type: 'completed', id: String(a.jobId), result: a.returnvalue as never }),
      failed: (a) => safe({ type: 'failed', id: String(a.jobId), error: decodeFailedReason(String(a.failedReason ?? '')) ?? { code: 'INTERNAL', message: 'failed' }, willRetry: false }),
      'courier:retrying': (a) => safe({ type: 'failed', id: String(a.jobId), error: parseError(a.error), willRetry: true }),
      'courier:cancelled': (a) => safe({ type: 'failed', id: String(a.jobId), error: { code: 'ABORTED', message: 'job cancelled' }, willRetry: false }),
    };
    this.#ensureEvents().then(
      (events) => {
        if (unsubscribed) return;
        for (const [name, handler] of Object.entries(handlers)) events.on(name as 'active', handler as never);
        detach = () => {
          for (const [name, handler] of Object.entries(handlers)) events.off(name as 'active', handler as never);
        };
      },
      (error: unknown) => this.#options.logger?.warn({ err: error }, 'could not open the queue event stream'),
    );
    return () => {
      unsubscribed = true;
      detach?.();
    };
  }

  #ensureEvents(): Promise<QueueEvents> {
    this.#events ??= (async () => {
      // Read from "now" by the server's clock, so nothing between this call and the first read is missed.
      const [seconds, micros] = await this.#producer.time();
      const lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
      const connection = createRedisConnection(this.#options.redisUrl, 'worker', this.#options.commandTimeoutMs, this.#options.clusterNodes);
      const events = new QueueEvents(this.#options.queueName, { connection, prefix: this.#options.prefix, lastEventId });
      events.setMaxListeners(0);
      events.on('error', (error: unknown) => this.#options.logger?.debug({ err: error }, 'queue events error'));
      expandBatchEvents(events, this.#options.logger);
      await events.waitUntilReady();
      // QueueEvents reads on a duplicate; the original was only its template.
      connection.disconnect();
      return events;
    })();
    this.#events.catch(() => {
      this.#events = null;
    });
    return this.#events;
  }

  startWorker(handler: JobHandler, options: WorkerOptions): QueueWorker {
    if (this.#closing) throw new CourierError('QUEUE_UNAVAILABLE', 'the queue is closed');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new CourierError('BAD_OPTION', 'concurrency must be a positive integer');
    const workerId = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    if (/[^A-Za-z0-9_.-]/.test(workerId)) throw new CourierError('BAD_OPTION', 'workerId: letters, digits, _ . - only');
    const connection = createRedisConnection(this.#options.redisUrl, 'worker', this.#options.commandTimeoutMs, this.#options.clusterNodes);
    connection.on('error', (error: unknown) => options.logger?.debug({ err: error }, 'worker Redis connection error'));
    const worker = new BullmqQueueWorker(handler, { ...options, workerId }, {
      queueName: this.#options.queueName,
      prefix: this.#options.prefix,
      keys: this.#keys,
      connection,
      secrets: this.#secrets,
      // Releases pop this queue's parked list in the same script (one round trip per release).
      limitStore: new RedisLimitStore(connection, this.#options.prefix, this.#keys.parked),
      depthKeys: this.#depthKeys,
      retention: this.#options.retention,
      onClosed: (w) => this.#workers.delete(w),
    });
    this.#workers.add(worker);
    return worker;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const steps: Array<() => Promise<unknown>> = [
        () => Promise.all([...this.#workers].map((w) => w.close())),
        async () => {
          const events = await this.#events?.catch(() => null);
          await events?.close();
        },
        () => this.#queue.close(),
        () => this.#producer.quit(),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          this.#options.logger?.warn({ err: error }, 'closing the queue: a step failed');
        }
      }
      if (this.#producer.status !== 'end') this.#producer.disconnect();
    })();
    return this.#closing;
  }
}

function parseError(json: unknown): JobError {
  try {
    return JSON.parse(String(json)) as JobError;
  } catch {
    return { code: 'INTERNAL', message: String(json) };
  }
}
