/**
 * The queue driver contract. Two implementations sit behind it — BullMQ on Redis
 * (`bullmq-driver.ts`, the distributed engine) and in-memory (`memory-driver.ts`, the embedded
 * single-process default) — and one contract suite (`describeDriver`) runs against both.
 *
 * Shapes here are the contract between libs/queue, libs/worker and libs/server: change them
 * only together with every user.
 */
import type { ErrorCode, OriginRequestStats, OriginSnapshot } from '@courier/origin';
import type { JobInput, JobInputLike, JobKind } from './job-schema.ts';
import type { OriginLimitsConfig } from './limits/limits-config.ts';
import type { RetryOptions } from './retry-policy.ts';

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';

/** A finished request: status, headers, timings, and the body inline or as a file. */
export interface RequestResult {
  kind: 'request';
  status: number;
  statusText: string;
  /** Lower-case names; credentials redacted. */
  headers: Record<string, string | string[]>;
  url: string;
  redirects: Array<{ status: number; url: string; location: string; method: string }>;
  timings: { startedAt: number; headersMs: number; totalMs: number };
  /** Body bytes, base64, when at most `inlineBodyBytes`. */
  bodyBase64?: string;
  /** Body size in bytes. */
  bodyBytes: number;
  /**
   * Path of the body file when it was too large to inline, RELATIVE to the results directory
   * (`COURIER_RESULTS_DIR`), e.g. `ab/abcdef….body`: join it with your own results directory.
   */
  bodyFile?: string;
  /** Worker that ran it. */
  workerId: string;
}

/**
 * A finished download: the one declaration of this shape. libs/download, which may not import the
 * queue, returns a structurally equal `DownloadJobResult` from its job handler; libs/worker's type
 * test holds the two together.
 */
export interface DownloadResult {
  kind: 'download';
  /** `dst` relative to the download root, with `/` separators (never a worker's absolute path). */
  dst: string;
  bytes: number;
  /** SHA-256 of the file, lower-case hex. */
  sha256: string;
  /** Bytes fetched from upstream by this job (0 when served from the shared cache or another job's transfer). */
  fetchedBytes: number;
  workerId: string;
}

export type JobResult = RequestResult | DownloadResult;

export interface JobError {
  code: ErrorCode;
  message: string;
  status?: number;
}

export interface JobProgress {
  bytes: number;
  total: number | null;
  /** Bytes per second over the last interval. */
  rate: number;
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  input: JobInput;
  attempts: number;
  createdAt: number;
  finishedAt?: number;
  progress?: JobProgress;
  result?: JobResult;
  error?: JobError;
}

export interface EnqueueOptions {
  /** Same key → same job, within the retention window; another payload with it → `CONFLICT`. */
  idempotencyKey?: string;
  /** Tries in all (first run included). Default 3. */
  attempts?: number;
  /** Delay before the first run, in milliseconds. */
  delayMs?: number;
  /** Higher runs first among waiting jobs. */
  priority?: number;
}

/** How `enqueue` stores the jobs. */
export interface EnqueueMode {
  /**
   * Pack the jobs into batch jobs (grouped by origin, up to the queue's `batch` limits): one
   * queue job carries many requests, each with its own id, record, result, events, retries and
   * cancel. On BullMQ it saves most of the queue's Redis work per request; the memory driver
   * (no such cost) queues them one by one.
   */
  batch?: boolean;
}

export interface EnqueueResult {
  id: string;
  /** True when the idempotency key matched an existing job with the same payload. */
  duplicate: boolean;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export type QueueEvent =
  | { type: 'progress'; id: string; progress: JobProgress }
  | { type: 'completed'; id: string; result: JobResult }
  | { type: 'failed'; id: string; error: JobError; willRetry: boolean }
  | { type: 'active'; id: string };

/**
 * What a worker calls per job. Throw a CourierError to fail it: whether it is retried is decided
 * by `retryPlan()` from its code, and `details.retryable` / `details.retryAfterMs` when set.
 * `input` carries the real credentials (restored from their separate store); never log it whole.
 */
export type JobHandler = (job: { id: string; input: JobInput; attempt: number; reportProgress(p: JobProgress): void; signal: AbortSignal }) => Promise<JobResult>;

/** Minimal structured logger (pino-compatible); libs never print. */
export interface QueueLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a worker publishes to the fleet view and how it obeys `closeconnections` (a `Client` fits). */
export interface FleetSource {
  origins(): OriginSnapshot[];
  closeConnections(remote?: string): Promise<void>;
  /**
   * This worker's own requests to an origin over the last minute. Absent: the publisher measures
   * the requests that end in this process (the origin lib's `courier:request:end` channel).
   */
  requestStats?(origin: string): OriginRequestStats;
}

/** An origin actor as a worker publishes it: its snapshot and its own recent request figures. */
export interface FleetOriginSnapshot extends OriginSnapshot {
  /** Requests per second and p50/p99 latency over the last minute; absent when it ran none. */
  requests?: OriginRequestStats;
}

export interface WorkerOptions {
  /** Jobs in flight in this worker. */
  concurrency: number;
  workerId?: string;
  /** Fleet-wide (BullMQ) or process-wide (memory) per-origin limits. Default: `queueDefaults.limits`. */
  originLimits?: OriginLimitsConfig;
  /** Queue-level retry backoff. Default: `queueDefaults.retry`. */
  retry?: Partial<RetryOptions>;
  /** Publish this worker's origin snapshots and obey `closeconnections` (usually the origin `Client`). */
  fleet?: FleetSource;
  /** BullMQ lock on an active job, in milliseconds (renewed at half of it). Default 30 s; tests ≥ 10 s. */
  lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs (lock expired: worker dead), in milliseconds. */
  stalledIntervalMs?: number;
  /** Stalls a job may go through before it is failed. Default 2. */
  maxStalledCount?: number;
  logger?: QueueLogger;
}

/** One worker in the fleet view: its heartbeat and its origin actors. */
export interface FleetWorkerState {
  workerId: string;
  hostname: string;
  pid: number;
  /** Epoch milliseconds of the last heartbeat. */
  heartbeatAt: number;
  origins: FleetOriginSnapshot[];
}

export interface CloseConnectionsReport {
  /** Workers that reported drained, with the origins they drained. */
  drained: Array<{ workerId: string; origins: number }>;
  /** Workers live at the call that died (heartbeat expired) or did not answer before the timeout. */
  missing: string[];
}

/** The fleet-wide view: Redis-published worker state (BullMQ) or the local workers (memory). */
export interface FleetView {
  workers(): Promise<FleetWorkerState[]>;
  /** Pluto's `closeconnections` on every live worker; resolves when each reported drained (or died). */
  closeConnections(remote?: string, options?: { timeoutMs?: number }): Promise<CloseConnectionsReport>;
}

export interface QueueWorker {
  readonly id: string;
  /** Stop taking jobs; finish (or hand back, after `graceMs`) the active ones. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

export interface QueueDriver {
  readonly name: 'bullmq' | 'memory';
  /**
   * Validates (all or nothing: `parseJob`'s codes) and adds jobs. Takes parsed jobs or what callers
   * send (`kind` defaulting to `request`, header objects). Redis away → `QUEUE_UNAVAILABLE`.
   * `mode.batch`: pack them into batch jobs (see `EnqueueMode`).
   */
  enqueue(jobs: ReadonlyArray<JobInput | JobInputLike>, options?: EnqueueOptions | EnqueueOptions[], mode?: EnqueueMode): Promise<EnqueueResult[]>;
  get(id: string): Promise<JobRecord | null>;
  /** Resolves with the job once it is completed, failed or cancelled, or after `timeoutMs` with its current record. */
  wait(id: string, timeoutMs: number): Promise<JobRecord | null>;
  /** Cancel a waiting or delayed job (an active one is aborted). False when not found or finished. */
  cancel(id: string): Promise<boolean>;
  listFailed(start?: number, end?: number): Promise<JobRecord[]>;
  retry(id: string): Promise<boolean>;
  counts(): Promise<QueueCounts>;
  /** Subscribe to events of every job; returns the unsubscribe function. */
  subscribe(listener: (event: QueueEvent) => void): () => void;
  startWorker(handler: JobHandler, options: WorkerOptions): QueueWorker;
  /** Fleet-wide origin snapshots and `closeconnections` (added: see libs/queue README). */
  readonly fleet: FleetView;
  close(): Promise<void>;
}
