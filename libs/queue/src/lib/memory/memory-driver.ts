/**
 * The embedded single-process queue: the same contract as the BullMQ driver (one suite tests
 * both), held in this process. Nothing survives a restart; use Redis for that. Per-origin limits
 * are process-wide here (shared by every worker of this driver).
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CourierError } from '@courier/origin';
import { queueDefaults } from '../defaults.ts';
import type {
  CloseConnectionsReport,
  EnqueueMode,
  EnqueueOptions,
  EnqueueResult,
  FleetSource,
  FleetView,
  JobError,
  JobHandler,
  JobProgress,
  JobRecord,
  JobResult,
  JobState,
  QueueCounts,
  QueueDriver,
  QueueEvent,
  QueueWorker,
  WorkerOptions,
} from '../driver.ts';
import { newAttemptControl, runAttempt, stopAttempt, type AttemptControl, type AttemptDeps } from '../job-execution.ts';
import type { HeaderPair, JobKind } from '../job-schema.ts';
import { MemoryLimitStore } from '../limits/memory-limit-store.ts';
import { OriginLimiter } from '../limits/origin-limiter.ts';
import { payloadBytes, queueFullError } from '../depth/queue-depth.ts';
import { prepareJobs, storedJobData, type StoredJobData } from '../prepare-jobs.ts';
import { resolveQueueOptions, type CreateQueueOptions, type ResolvedQueueOptions } from '../queue-options.ts';

interface MemoryJob {
  id: string;
  kind: JobKind;
  data: StoredJobData;
  state: JobState;
  attemptsMade: number;
  /** Times deferred because its origin was saturated. */
  deferrals: number;
  maxAttempts: number;
  createdAt: number;
  finishedAt?: number;
  progress?: JobProgress;
  result?: JobResult;
  error?: JobError;
  priority: number | undefined;
  seq: number;
  /** Its share of the depth bound (`payloadBytes`), held from enqueue until it finishes. */
  bytes: number;
  timer?: NodeJS.Timeout;
  /** The origin this job is parked on (waiting for a slot), if any. */
  parkedOn?: string;
  running?: AttemptControl;
}

const finishedStates: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

class MemoryWorker implements QueueWorker {
  readonly id: string;
  readonly concurrency: number;
  readonly active = new Map<string, AttemptControl>();
  readonly deps: AttemptDeps;
  readonly fleet: FleetSource | undefined;
  closing: Promise<void> | null = null;
  #idle: Array<() => void> = [];
  readonly #onClose: (worker: MemoryWorker, graceMs: number) => Promise<void>;

  constructor(id: string, options: WorkerOptions, deps: AttemptDeps, onClose: (worker: MemoryWorker, graceMs: number) => Promise<void>) {
    this.id = id;
    this.concurrency = options.concurrency;
    this.deps = deps;
    this.fleet = options.fleet;
    this.#onClose = onClose;
  }

  close(graceMs: number = queueDefaults.worker.graceMs): Promise<void> {
    this.closing ??= this.#onClose(this, graceMs);
    return this.closing;
  }

  /** Resolves once no job is active in this worker. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  jobDone(id: string): void {
    this.active.delete(id);
    if (this.active.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}

export class MemoryDriver implements QueueDriver {
  readonly name = 'memory' as const;
  readonly #options: ResolvedQueueOptions;
  readonly #jobs = new Map<string, MemoryJob>();
  /** Waiting jobs without a priority, FIFO (BullMQ runs these before prioritized ones). */
  #fifo: MemoryJob[] = [];
  #fifoHead = 0;
  /** Waiting jobs with a priority: higher first, then in order of arrival. */
  #prioritized: MemoryJob[] = [];
  readonly #completed: string[] = [];
  readonly #failed: string[] = [];
  readonly #secrets = new Map<string, { headers: HeaderPair[]; expiresAt: number }>();
  readonly #listeners = new Set<(event: QueueEvent) => void>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #workers = new Set<MemoryWorker>();
  readonly #limitStore = new MemoryLimitStore();
  /** Jobs parked on a full origin, oldest first; woken one per slot given back. */
  readonly #parked = new Map<string, MemoryJob[]>();
  readonly #sweepTimer: NodeJS.Timeout;
  #seq = 0;
  /** Unfinished jobs (waiting, delayed, active) and their payload bytes: the depth bound's measure. */
  #queuedJobs = 0;
  #queuedBytes = 0;
  /** Payload bytes of the finished jobs kept for retention: bounded by the same byte budget. */
  #retainedBytes = 0;
  #closing: Promise<void> | null = null;
  readonly fleet: FleetView;

  constructor(options: CreateQueueOptions = {}) {
    this.#options = resolveQueueOptions(options);
    this.#sweepTimer = setInterval(() => this.#applyRetention(), 60_000).unref();
    this.fleet = {
      workers: async () =>
        [...this.#workers]
          .filter((w) => w.fleet && !w.closing)
          .map((w) => ({ workerId: w.id, hostname: hostname(), pid: process.pid, heartbeatAt: Date.now(), origins: w.fleet!.origins() })),
      closeConnections: async (remote) => {
        const report: CloseConnectionsReport = { drained: [], missing: [] };
        await Promise.all(
          [...this.#workers]
            .filter((w) => w.fleet && !w.closing)
            .map(async (w) => {
              try {
                await w.fleet!.closeConnections(remote);
                report.drained.push({ workerId: w.id, origins: w.fleet!.origins().length });
              } catch {
                report.missing.push(w.id);
              }
            }),
        );
        return report;
      },
    };
  }

  #checkOpen(): void {
    if (this.#closing) throw new CourierError('QUEUE_UNAVAILABLE', 'the queue is closed');
  }

  /**
   * `mode.batch` is accepted and changes nothing here: batching saves the per-job cost of Redis,
   * which this driver does not have, so each request is queued as its own job.
   */
  async enqueue(jobs: readonly unknown[], options?: EnqueueOptions | EnqueueOptions[], _mode?: EnqueueMode): Promise<EnqueueResult[]> {
    this.#checkOpen();
    const prepared = prepareJobs(jobs, options, this.#options.sensitiveHeaders);
    const results: EnqueueResult[] = [];
    // Every conflict is found before anything is stored: a batch is all or nothing.
    const fresh = prepared.filter((p) => {
      const existing = p.keyed ? this.#jobs.get(p.id) : undefined;
      if (!existing) return true;
      if (existing.data.payloadHash !== p.payloadHash) {
        throw new CourierError('CONFLICT', `idempotency key already used for another payload (job ${p.id})`);
      }
      return false;
    });
    const unique = new Map(fresh.map((p) => [p.id, p]));
    const sizes = new Map([...unique.values()].map((p) => [p.id, payloadBytes(p.stored)]));
    let addBytes = 0;
    for (const bytes of sizes.values()) addBytes += bytes;
    const { maxDepth, maxQueuedBytes } = this.#options;
    if (this.#queuedJobs + unique.size > maxDepth || this.#queuedBytes + addBytes > maxQueuedBytes) {
      throw queueFullError({ maxJobs: maxDepth, maxBytes: maxQueuedBytes }, { jobs: this.#queuedJobs, bytes: this.#queuedBytes }, { jobs: unique.size, bytes: addBytes });
    }
    const token = randomUUID();
    const now = Date.now();
    for (const p of prepared) {
      const created = unique.get(p.id);
      if (!created) {
        results.push({ id: p.id, duplicate: true });
        continue;
      }
      unique.delete(p.id);
      const job: MemoryJob = {
        id: p.id,
        kind: p.kind,
        data: storedJobData(p, token),
        state: 'waiting',
        attemptsMade: 0,
        deferrals: 0,
        maxAttempts: p.attempts,
        createdAt: now,
        priority: p.priority,
        seq: this.#seq++,
        bytes: sizes.get(p.id)!,
      };
      this.#queuedJobs += 1;
      this.#queuedBytes += job.bytes;
      if (p.secrets) {
        const ttl = Math.max(this.#options.retention.completedAgeMs, this.#options.retention.failedAgeMs);
        this.#secrets.set(p.id, { headers: p.secrets, expiresAt: now + ttl });
      }
      this.#jobs.set(p.id, job);
      if (p.delayMs > 0) this.#delay(job, p.delayMs);
      else this.#makeWaiting(job);
      results.push({ id: p.id, duplicate: false });
    }
    this.#dispatch();
    return results;
  }

  async get(id: string): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    return job ? this.#record(job) : null;
  }

  wait(id: string, timeoutMs: number): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    if (!job || finishedStates.has(job.state) || timeoutMs <= 0) return this.get(id);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(id);
        resolve(this.get(id));
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  async cancel(id: string): Promise<boolean> {
    const job = this.#jobs.get(id);
    if (!job || finishedStates.has(job.state)) return false;
    if (job.state === 'active' && job.running) {
      stopAttempt(job.running, 'cancel');
      return true;
    }
    clearTimeout(job.timer);
    this.#finish(job, 'cancelled', { code: 'ABORTED', message: 'job cancelled' });
    return true;
  }

  async listFailed(start = 0, end = -1): Promise<JobRecord[]> {
    const newestFirst = [...this.#failed].reverse();
    const slice = newestFirst.slice(start, end < 0 ? undefined : end + 1);
    return slice.map((id) => this.#record(this.#jobs.get(id)!));
  }

  async retry(id: string): Promise<boolean> {
    const job = this.#jobs.get(id);
    if (!job || job.state !== 'failed') return false;
    this.#failed.splice(this.#failed.indexOf(id), 1);
    this.#retainedBytes -= job.bytes;
    job.attemptsMade = 0;
    // Queued again: it holds its room again (an operator's retry is not refused for a full queue).
    this.#queuedJobs += 1;
    this.#queuedBytes += job.bytes;
    delete job.error;
    delete job.finishedAt;
    this.#makeWaiting(job);
    this.#dispatch();
    return true;
  }

  async counts(): Promise<QueueCounts> {
    const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const job of this.#jobs.values()) {
      if (job.state === 'cancelled') counts.failed += 1;
      else counts[job.state] += 1;
    }
    return counts;
  }

  subscribe(listener: (event: QueueEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  startWorker(handler: JobHandler, options: WorkerOptions): QueueWorker {
    this.#checkOpen();
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new CourierError('BAD_OPTION', 'concurrency must be a positive integer');
    const id = options.workerId ?? `memory-${randomUUID().slice(0, 8)}`;
    const deps: AttemptDeps = {
      handler,
      limiter: new OriginLimiter(this.#limitStore, options.originLimits, id, options.logger, (origin) => this.#wake(origin)),
      retry: { ...queueDefaults.retry, ...options.retry },
      readSecrets: async (jobId) => {
        const entry = this.#secrets.get(jobId);
        return entry && entry.expiresAt > Date.now() ? entry.headers : null;
      },
    };
    const worker = new MemoryWorker(id, options, deps, (w, graceMs) => this.#closeWorker(w, graceMs));
    this.#workers.add(worker);
    queueMicrotask(() => this.#pump(worker));
    return worker;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#workers].map((w) => w.close()));
      clearInterval(this.#sweepTimer);
      for (const job of this.#jobs.values()) clearTimeout(job.timer);
      for (const waiters of this.#waiters.values()) for (const done of [...waiters]) done();
    })();
    return this.#closing;
  }

  // ---- internals ----

  #record(job: MemoryJob): JobRecord {
    const record: JobRecord = {
      id: job.id,
      kind: job.kind,
      state: job.state,
      input: job.data.input,
      attempts: job.attemptsMade,
      createdAt: job.createdAt,
    };
    if (job.finishedAt !== undefined) record.finishedAt = job.finishedAt;
    if (job.progress) record.progress = job.progress;
    if (job.result) record.result = job.result;
    if (job.error) record.error = job.error;
    return record;
  }

  #emit(event: QueueEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#options.logger?.warn({ err: error }, 'queue event listener threw');
      }
    }
  }

  #makeWaiting(job: MemoryJob, front = false): void {
    job.state = 'waiting';
    if (job.priority === undefined) {
      if (front && this.#fifoHead > 0) this.#fifo[--this.#fifoHead] = job;
      else if (front) this.#fifo.unshift(job);
      else this.#fifo.push(job);
      return;
    }
    // Sorted insert: higher priority first, then arrival order. Prioritized jobs are few.
    const at = this.#prioritized.findIndex((o) => o.priority! < job.priority! || (o.priority === job.priority && o.seq > job.seq));
    if (at < 0) this.#prioritized.push(job);
    else this.#prioritized.splice(at, 0, job);
  }

  #delay(job: MemoryJob, delayMs: number): void {
    job.state = 'delayed';
    job.timer = setTimeout(() => {
      delete job.timer;
      delete job.parkedOn;
      if (job.state !== 'delayed') return;
      this.#makeWaiting(job);
      this.#dispatch();
    }, delayMs);
    job.timer.unref?.();
  }

  /** Waits for a slot of `origin` (woken by `#wake`), or `safetyMs` at the latest. */
  #park(job: MemoryJob, origin: string, safetyMs: number): void {
    job.parkedOn = origin;
    const list = this.#parked.get(origin) ?? [];
    list.push(job);
    this.#parked.set(origin, list);
    this.#delay(job, safetyMs);
  }

  /** A slot of `origin` was given back: the oldest job still parked on it goes back to waiting. */
  #wake(origin: string): void {
    const list = this.#parked.get(origin);
    while (list && list.length > 0) {
      const job = list.shift()!;
      if (job.state !== 'delayed' || job.parkedOn !== origin) continue; // woken by its safety net already
      clearTimeout(job.timer);
      delete job.timer;
      delete job.parkedOn;
      this.#makeWaiting(job);
      this.#dispatch();
      break;
    }
    if (list && list.length === 0) this.#parked.delete(origin);
  }

  #takeNext(): MemoryJob | undefined {
    while (this.#fifoHead < this.#fifo.length) {
      const job = this.#fifo[this.#fifoHead]!;
      this.#fifo[this.#fifoHead++] = undefined as unknown as MemoryJob;
      if (this.#fifoHead > 1024 && this.#fifoHead * 2 > this.#fifo.length) {
        this.#fifo = this.#fifo.slice(this.#fifoHead);
        this.#fifoHead = 0;
      }
      // Skip entries left behind by a cancel: only jobs still waiting count.
      if (job.state === 'waiting' && this.#jobs.get(job.id) === job) return job;
    }
    while (this.#prioritized.length > 0) {
      const job = this.#prioritized.shift()!;
      if (job.state === 'waiting' && this.#jobs.get(job.id) === job) return job;
    }
    return undefined;
  }

  #dispatch(): void {
    for (const worker of this.#workers) this.#pump(worker);
  }

  #pump(worker: MemoryWorker): void {
    while (!worker.closing && !this.#closing && worker.active.size < worker.concurrency) {
      const job = this.#takeNext();
      if (!job) return;
      void this.#run(worker, job);
    }
  }

  async #run(worker: MemoryWorker, job: MemoryJob): Promise<void> {
    const control = newAttemptControl();
    job.state = 'active';
    job.running = control;
    worker.active.set(job.id, control);
    this.#emit({ type: 'active', id: job.id });
    try {
      const outcome = await runAttempt(
        {
          id: job.id,
          data: job.data,
          attempt: job.attemptsMade + 1,
          deferrals: job.deferrals,
          control,
          reportProgress: (progress) => {
            job.progress = progress;
            this.#emit({ type: 'progress', id: job.id, progress });
          },
        },
        worker.deps,
      );
      delete job.running;
      switch (outcome.type) {
        case 'completed':
          job.attemptsMade += 1;
          job.result = outcome.result;
          this.#finish(job, 'completed');
          break;
        case 'deferred':
          job.deferrals += 1;
          if (outcome.reason === 'concurrency') this.#park(job, outcome.origin, outcome.delayMs);
          else this.#delay(job, outcome.delayMs);
          break;
        case 'handed-back':
          this.#makeWaiting(job, true);
          break;
        case 'failed':
          job.attemptsMade += 1;
          if (outcome.error.code === 'ABORTED' && control.stopReason === 'cancel') {
            this.#finish(job, 'cancelled', outcome.error);
          } else if (outcome.retryDelayMs !== null && job.attemptsMade < job.maxAttempts) {
            job.error = outcome.error;
            this.#emit({ type: 'failed', id: job.id, error: outcome.error, willRetry: true });
            this.#delay(job, outcome.retryDelayMs);
          } else {
            this.#finish(job, 'failed', outcome.error);
          }
          break;
      }
    } catch (error) {
      // Only a bug gets here (runAttempt turns job errors into outcomes): fail the job, not the process.
      delete job.running;
      job.attemptsMade += 1;
      this.#finish(job, 'failed', { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
    } finally {
      worker.jobDone(job.id);
    }
    this.#dispatch();
  }

  #finish(job: MemoryJob, state: 'completed' | 'failed' | 'cancelled', error?: JobError): void {
    job.state = state;
    job.finishedAt = Date.now();
    this.#queuedJobs -= 1;
    this.#queuedBytes -= job.bytes;
    this.#retainedBytes += job.bytes;
    if (error) job.error = error;
    if (state === 'completed') {
      delete job.error;
      this.#secrets.delete(job.id);
      this.#completed.push(job.id);
      this.#emit({ type: 'completed', id: job.id, result: job.result! });
    } else {
      // Kept until retention for a failed job, so `retry` can still send it with its credentials.
      if (state === 'cancelled') this.#secrets.delete(job.id);
      this.#failed.push(job.id);
      this.#emit({ type: 'failed', id: job.id, error: job.error!, willRetry: false });
    }
    const waiters = this.#waiters.get(job.id);
    if (waiters) for (const done of [...waiters]) done();
    this.#applyRetention();
  }

  #applyRetention(): void {
    const now = Date.now();
    const { completedAgeMs, completedCount, failedAgeMs, failedCount } = this.#options.retention;
    const prune = (list: string[], maxAge: number, maxCount: number) => {
      while (list.length > 0) {
        const job = this.#jobs.get(list[0]!);
        // Finished records keep their input (bodies included): past the byte budget the oldest go.
        const expired = !job || list.length > maxCount || now - (job.finishedAt ?? now) > maxAge || this.#retainedBytes > this.#options.maxQueuedBytes;
        if (!expired) break;
        list.shift();
        if (job && finishedStates.has(job.state)) {
          this.#retainedBytes -= job.bytes;
          this.#jobs.delete(job.id);
          this.#secrets.delete(job.id);
        }
      }
    };
    prune(this.#completed, completedAgeMs, completedCount);
    prune(this.#failed, failedAgeMs, failedCount);
    for (const [id, entry] of this.#secrets) if (entry.expiresAt <= now) this.#secrets.delete(id);
  }

  async #closeWorker(worker: MemoryWorker, graceMs: number): Promise<void> {
    // Stop taking jobs (worker.closing is set by now); after the grace period, hand back the rest.
    const timer = setTimeout(() => {
      for (const control of worker.active.values()) stopAttempt(control, 'shutdown');
    }, graceMs);
    try {
      await worker.whenIdle();
    } finally {
      clearTimeout(timer);
      await worker.deps.limiter.close();
      this.#workers.delete(worker);
      this.#dispatch();
    }
  }
}
