/**
 * A BullMQ worker running Courier jobs. BullMQ does the distributed part — locks, stalled-job
 * recovery (a SIGKILLed worker's jobs go back to waiting once their lock expires), retries with
 * our backoff strategy — and `runAttempt` the per-job part. A job whose origin is saturated is
 * moved back to delayed with `job.moveToDelayed` + `DelayedError`: it holds no worker slot while
 * it waits and blocks no other origin, and no attempt is used.
 */
import { DelayedError, UnrecoverableError, Worker, type MinimalQueue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueDefaults } from '../defaults.ts';
import type { JobError, JobHandler, JobProgress, JobResult, QueueLogger, QueueWorker, WorkerOptions } from '../driver.ts';
import { AbortPool } from '../abort-pool.ts';
import { publishFleetState, type FleetPublisher } from '../fleet-state.ts';
import { newAttemptControl, runAttempt, stopAttempt, type AttemptControl, type AttemptDeps } from '../job-execution.ts';
import type { JobKind } from '../job-schema.ts';
import type { Lease, LimitStore } from '../limits/limit-store.ts';
import { originOf } from '@courier/origin';
import { OriginLimiter } from '../limits/origin-limiter.ts';
import type { StoredJobData } from '../prepare-jobs.ts';
import type { CourierJob } from './bullmq-records.ts';
import { encodeFailedReason } from './failed-reason.ts';
import type { CourierKeys } from './queue-keys.ts';
import { courierBackoffStrategy, RetryableJobError } from './retryable-error.ts';
import type { SecretsStore } from './secrets-store.ts';
import { OriginParking } from './origin-parking.ts';
import { DepthReleaser, type DepthLedgerKeys } from './depth-ledger.ts';
import type { RetentionOptions } from '../queue-options.ts';
import { BATCH_JOB_NAME, finishBatchMembers, MemberFinisher, type BatchJobData } from './batch-members.ts';
import { runBatch, type BatchRunContext } from './batch-runner.ts';
import { LeaseExchange } from './lease-exchange.ts';
import { LanePlaces } from './lane-places.ts';
import { setMaxListeners } from 'node:events';

export interface BullmqWorkerContext {
  queueName: string;
  prefix: string;
  keys: CourierKeys;
  /** This worker's own connection (worker role); closed with the worker. */
  connection: Redis;
  secrets: SecretsStore;
  limitStore: LimitStore;
  /** The queue's depth ledger: finished jobs give their room back. */
  depthKeys: DepthLedgerKeys;
  /** How long finished requests of batch jobs are kept (BullMQ keeps plain jobs by their options). */
  retention: RetentionOptions;
  onClosed(worker: BullmqQueueWorker): void;
}

/** How long a cancel message is remembered for a job not (yet) running here, in milliseconds. */
const RECENT_CANCEL_MS = 60_000;

/** Events are capped like BullMQ's own stream (approximate trim). */
const EVENTS_MAX_LEN = 10_000;

export class BullmqQueueWorker implements QueueWorker {
  readonly id: string;
  readonly #ctx: BullmqWorkerContext;
  readonly #worker: Worker<StoredJobData, JobResult, JobKind>;
  readonly #active = new Map<string, AttemptControl>();
  readonly #recentCancels = new Map<string, number>();
  readonly #aborts: AbortPool;
  readonly #subscriber: Redis;
  readonly #limiter: OriginLimiter;
  readonly #parking: OriginParking;
  readonly #depth: DepthReleaser;
  readonly #deps: AttemptDeps;
  readonly #logger: QueueLogger | undefined;
  readonly #batchContext: BatchRunContext;
  /** Batch jobs started here without a slot, waiting for one handed over (bounded by `#maxBatchesWaiting`). */
  #batchesWaiting = 0;
  readonly #maxBatchesWaiting: number;
  /** Aborted when close() starts: batch jobs start no more requests and stop waiting. */
  readonly #closingSignal = new AbortController();
  #fleet: Promise<FleetPublisher | null> = Promise.resolve(null);
  #closing: Promise<void> | null = null;

  constructor(handler: JobHandler, options: WorkerOptions, ctx: BullmqWorkerContext) {
    this.id = options.workerId!;
    this.#ctx = ctx;
    this.#logger = options.logger;
    this.#aborts = new AbortPool(options.concurrency);
    const retry = { ...queueDefaults.retry, ...options.retry };
    // Set below, once the BullMQ worker exists; releases only happen after jobs start.
    let parking: OriginParking | null = null;
    this.#limiter = new OriginLimiter(ctx.limitStore, options.originLimits, this.id, options.logger, (origin, parkedJobId) => {
      if (parkedJobId !== null) parking?.wake(origin, parkedJobId);
    });
    this.#deps = {
      handler,
      limiter: this.#limiter,
      retry,
      readSecrets: (id) => ctx.secrets.read(ctx.connection, id),
    };

    // Fewer than half the worker's slots: with concurrency 1 or 2, none.
    this.#maxBatchesWaiting = Math.floor((options.concurrency - 1) / 2);
    // Every waiting batch listens for the close: many at once is expected, not a leak.
    setMaxListeners(0, this.#closingSignal.signal);
    this.#batchContext = {
      connection: ctx.connection,
      keys: ctx.keys,
      deps: this.#deps,
      limiter: this.#limiter,
      retention: ctx.retention,
      newControl: () => newAttemptControl(this.#aborts.take()),
      giveControl: (control) => this.#aborts.give(control.controller),
      track: (id, control) => {
        if (control) this.#active.set(id, control);
        else this.#active.delete(id);
      },
      takeRecentCancel: (id) => this.#recentCancels.delete(id),
      dropSecrets: (id) => {
        ctx.secrets.delete(ctx.connection, [id]).catch((error: unknown) => this.#logger?.warn({ err: error }, 'could not delete job credentials; they expire'));
      },
      closing: this.#closingSignal.signal,
      exchange: new LeaseExchange(),
      places: new LanePlaces(options.concurrency),
      finisher: new MemberFinisher(ctx.connection, ctx.keys),
      logger: options.logger,
    };

    this.#subscriber = ctx.connection.duplicate();
    this.#subscriber.on('error', (error: unknown) => this.#logger?.warn({ err: error }, 'cancel subscriber connection error'));
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === ctx.keys.parkedChannel) this.#limiter.contended(message);
      else this.#onCancel(message);
    });
    void this.#subscriber
      .subscribe(ctx.keys.cancelChannel, ctx.keys.parkedChannel)
      .catch((error: unknown) => this.#logger?.error({ err: error }, 'could not subscribe to cancel and parking messages'));

    this.#worker = new Worker<StoredJobData, JobResult, JobKind>(ctx.queueName, (job, token) => this.#process(job, token), {
      connection: ctx.connection,
      prefix: ctx.prefix,
      name: this.id,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? queueDefaults.worker.lockDurationMs,
      stalledInterval: options.stalledIntervalMs ?? queueDefaults.worker.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount ?? queueDefaults.worker.maxStalledCount,
      settings: { backoffStrategy: courierBackoffStrategy(retry) },
    });
    // A BullMQ Worker is a queue for `Job.fromId` and `promote`.
    parking = new OriginParking(ctx.connection, ctx.keys, this.#worker as unknown as MinimalQueue, options.logger);
    this.#parking = parking;
    // Without a listener an 'error' event would crash the process; Redis blips are expected.
    this.#worker.on('error', (error) => this.#logger?.warn({ err: error }, 'queue worker error'));
    this.#depth = new DepthReleaser(ctx.connection, ctx.depthKeys, options.logger);
    // A failed job is released only if it will not run again (the script looks at its state).
    this.#worker.on('failed', (job) => {
      if (!job?.id) return;
      if (job.name === (BATCH_JOB_NAME as string)) this.#batchFailed(job);
      else this.#depth.add(job.id);
    });
    this.#worker.on('completed', (job) => {
      this.#depth.add(job.id!);
      if (job.data.secrets) {
        ctx.secrets.delete(ctx.connection, [job.id!]).catch((error: unknown) => this.#logger?.warn({ err: error }, 'could not delete job credentials; they expire'));
      }
    });

    if (options.fleet) {
      this.#fleet = publishFleetState({
        redis: ctx.connection,
        prefix: ctx.prefix,
        queueName: ctx.queueName,
        workerId: this.id,
        source: options.fleet,
        ...(options.logger ? { logger: options.logger } : {}),
      }).catch((error: unknown) => {
        this.#logger?.error({ err: error }, 'could not publish fleet state');
        return null;
      });
    }
  }

  /** Jobs running in this worker right now. */
  get activeCount(): number {
    return this.#active.size;
  }

  async #process(job: CourierJob, token: string | undefined): Promise<JobResult> {
    const id = job.id!;
    if (this.#closing) {
      // BullMQ may still hand over a job that a fetch blocked before close() picked up: give it
      // back untouched, so a closing worker really takes no new job.
      await job.moveToWait(token);
      throw new DelayedError();
    }
    if (job.name === (BATCH_JOB_NAME as string)) return this.#processBatch(job, token);
    const control = newAttemptControl(this.#aborts.take());
    this.#active.set(id, control);
    if (this.#recentCancels.delete(id)) stopAttempt(control, 'cancel');
    try {
      const outcome = await runAttempt(
        {
          id,
          data: job.data,
          attempt: job.attemptsMade + 1,
          // BullMQ counts every start ("ats") but not a deferral's ("atm" is skipped): the rest are deferrals (and stalls).
          deferrals: Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1),
          control,
          // Bound, not an arrow: a closure made per job is named at run time under tsx (`__name`), ~1.5 µs.
          reportProgress: this.#reportProgress.bind(this, job),
        },
        this.#deps,
      );
      switch (outcome.type) {
        case 'completed':
          return outcome.result;
        case 'deferred':
          if (outcome.reason === 'concurrency') await this.#parking.park(job, token, outcome.origin, outcome.delayMs);
          else await job.moveToDelayed(Date.now() + outcome.delayMs, token);
          throw new DelayedError();
        case 'handed-back':
          await job.moveToWait(token);
          throw new DelayedError();
        case 'failed':
          return await this.#fail(job, outcome.error, outcome.retryDelayMs, control);
      }
    } finally {
      this.#active.delete(id);
      this.#aborts.give(control.controller);
    }
  }

  /** A batch job: its requests run, each recorded on its own (batch-runner.ts). */
  async #processBatch(job: CourierJob, token: string | undefined): Promise<JobResult> {
    const data = job.data as unknown as BatchJobData;
    const members = Array.isArray(data?.members) ? data.members.filter((id): id is string => typeof id === 'string') : [];
    // Places, then slots, before the claim. The worker runs at most `concurrency` requests of
    // batch jobs at once (lane-places.ts). A full origin parks the batch job, as it parks a plain
    // one, holding no worker slot (a release anywhere in the fleet wakes it). Either way the batch
    // may instead wait here — for lanes of this worker's other batches to end, or for slots of
    // its origin to be handed over by a batch of this worker running it (no release, park, wake
    // and acquire round trips per slot) — while fewer than half the worker's slots wait so, so
    // other origins always find room.
    let slots: { origin: string; leases: Array<Lease | null> } | null = null;
    const origin = typeof data?.url === 'string' ? safeOrigin(data.url) : null;
    let waitsHere = false;
    if (origin !== null && members.length > 0) {
      // Read when deciding (other batches start and end waiting during the awaits).
      const mayWaitHere = () => this.#batchesWaiting < this.#maxBatchesWaiting;
      const places = this.#batchContext.places.take(members.length);
      if (places === 0) {
        if (!mayWaitHere()) {
          await job.moveToDelayed(Date.now() + this.#limiter.saturatedDelay({ ok: false, reason: 'concurrency', retryInMs: 0, origin }, 0), token);
          throw new DelayedError();
        }
        waitsHere = true;
      } else {
        const taken = await this.#limiter.acquireMany(data.url!, places);
        this.#batchContext.places.give(places - (taken.ok ? taken.leases.length : 0));
        if (taken.ok) slots = { origin, leases: taken.leases };
        else if (taken.reason === 'concurrency' && this.#batchContext.exchange.running(origin) && mayWaitHere()) waitsHere = true;
        else {
          const deferrals = Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
          const delayMs = this.#limiter.saturatedDelay(taken, deferrals);
          if (taken.reason === 'concurrency') await this.#parking.park(job, token, taken.origin, delayMs);
          else await job.moveToDelayed(Date.now() + delayMs, token);
          throw new DelayedError();
        }
      }
    }
    if (waitsHere) this.#batchesWaiting += 1;
    let outcome: Awaited<ReturnType<typeof runBatch>>;
    try {
      outcome = await runBatch(job.id!, members, this.#batchContext, slots);
    } finally {
      if (waitsHere) this.#batchesWaiting -= 1;
    }
    if (outcome.type === 'handed-back') {
      await job.moveToWait(token);
      throw new DelayedError();
    }
    // The batch job's own result (not a request's): how many of its requests this delivery ran.
    return { kind: 'batch', ran: outcome.ran } as unknown as JobResult;
  }

  /**
   * A batch job failed as a whole (Redis away through all its deliveries): once it will not run
   * again, its unfinished requests are failed with the reason, so no `wait` hangs on them.
   */
  #batchFailed(job: CourierJob): void {
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const data = job.data as unknown as BatchJobData;
    const members = Array.isArray(data?.members) ? data.members : [];
    const error = { code: 'INTERNAL' as const, message: `its batch job failed: ${job.failedReason ?? 'unknown reason'}` };
    const keepMs = this.#ctx.retention.failedAgeMs;
    // The script gives the failed requests' queue room back.
    finishBatchMembers(this.#ctx.connection, this.#ctx.keys, members.map((id) => ({ id, batchId: job.id!, outcome: { type: 'failed' as const, error, attemptsMade: 0, keepMs } })))
      .catch((err: unknown) => this.#logger?.error({ err, jobId: job.id }, 'could not fail the requests of a failed batch job'));
  }

  #reportProgress(job: CourierJob, progress: JobProgress): void {
    job.updateProgress(progress).catch((error: unknown) => this.#logger?.debug({ err: error, jobId: job.id }, 'progress update failed'));
  }

  async #fail(job: CourierJob, error: JobError, retryDelayMs: number | null, control: AttemptControl): Promise<never> {
    const message = encodeFailedReason(error);
    if (retryDelayMs === null) {
      if (control.stopReason === 'cancel' && job.data.secrets) await this.#ctx.secrets.delete(this.#ctx.connection, [job.id!]).catch(() => {});
      throw new UnrecoverableError(message);
    }
    if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) await this.#publishRetrying(job.id!, error, retryDelayMs);
    throw new RetryableJobError(message, retryDelayMs);
  }

  /** BullMQ emits no event for a failure it will retry; subscribers get ours (`courier:retrying`). */
  async #publishRetrying(jobId: string, error: JobError, delayMs: number): Promise<void> {
    try {
      await this.#ctx.connection.xadd(this.#ctx.keys.events, 'MAXLEN', '~', EVENTS_MAX_LEN, '*', 'event', 'courier:retrying', 'jobId', jobId, 'error', JSON.stringify(error), 'delay', String(delayMs));
    } catch (err) {
      this.#logger?.debug({ err, jobId }, 'could not publish a retrying event');
    }
  }

  #onCancel(id: string): void {
    const control = this.#active.get(id);
    if (control) {
      stopAttempt(control, 'cancel');
      return;
    }
    // Not running here (yet): the job may be between BullMQ's lock and our processor.
    const now = Date.now();
    this.#recentCancels.set(id, now + RECENT_CANCEL_MS);
    if (this.#recentCancels.size > 1_000) for (const [k, until] of this.#recentCancels) if (until < now) this.#recentCancels.delete(k);
  }

  /**
   * Closes the BullMQ worker, within the grace period and a slack. BullMQ's close waits for its
   * fetch loop, whose blocking call on a Redis Cluster can stay unsettled for good after a master
   * crashed (the blocking client never comes back; taskforcesh/bullmq#4138): then its connections
   * are dropped and the close goes on without it, so a stopping worker still ends.
   */
  async #closeBullmqWorker(graceMs: number): Promise<void> {
    const closed = this.#worker.close();
    if (await settlesWithin(closed, graceMs + BULLMQ_CLOSE_SLACK_MS)) return await closed;
    this.#logger?.warn({ graceMs, slackMs: BULLMQ_CLOSE_SLACK_MS }, 'the queue worker did not close in time (its blocking Redis call never returned); dropping its connections');
    closed.catch(() => {});
    const dropped = this.#worker.disconnect().catch((error: unknown) => this.#logger?.warn({ err: error }, 'closing the worker: dropping the queue worker connections failed'));
    await settlesWithin(dropped, BULLMQ_CLOSE_SLACK_MS);
  }

  close(graceMs: number = queueDefaults.worker.graceMs): Promise<void> {
    this.#closingSignal.abort();
    this.#closing ??= (async () => {
      // After the grace period, active jobs are aborted and handed back to the queue as they were.
      const handBack = setTimeout(() => {
        for (const control of this.#active.values()) stopAttempt(control, 'shutdown');
      }, graceMs);
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['worker', () => this.#closeBullmqWorker(graceMs)],
        // Lingering origin leases go back while the connection is still open.
        ['origin leases', () => this.#limiter.close()],
        ['fleet state', async () => (await this.#fleet)?.close()],
        ['queue room', () => this.#depth.flush()],
        ['cancel subscriber', () => this.#subscriber.quit()],
        ['connection', () => this.#ctx.connection.quit()],
      ];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (error) {
          this.#logger?.warn({ err: error }, `closing the worker: ${what} failed`);
        }
        if (what === 'worker') clearTimeout(handBack);
      }
      this.#ctx.onClosed(this);
    })();
    return this.#closing;
  }
}

/**
 * How long past the grace period a BullMQ worker's close may take before it is given up on: its
 * jobs were aborted and handed back at the grace, so what is left is its own Redis calls.
 */
const BULLMQ_CLOSE_SLACK_MS = 5_000;

/** True when `promise` settles within `ms` (its outcome is the caller's business), false after. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The origin of a URL, or null for one that does not parse (its requests then fail as they run). */
function safeOrigin(url: string): string | null {
  try {
    return originOf(url);
  } catch {
    return null;
  }
}
