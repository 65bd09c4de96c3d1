/** Every default of @courier/queue in one place (STYLE §7); the options types document each field. */
export const queueDefaults = {
  /** Redis key prefix (BullMQ's `prefix`; fleet limits and fleet state live under it too). */
  prefix: 'courier',
  /** BullMQ queue name. */
  queueName: 'jobs',
  /** How long finished jobs (and so their idempotency keys) are kept, in milliseconds and in count. */
  retention: {
    completedAgeMs: 60 * 60_000,
    completedCount: 10_000,
    failedAgeMs: 24 * 60 * 60_000,
    failedCount: 10_000,
  },
  /** Tries in all, first run included. */
  attempts: 3,
  /** Largest body kept inline (base64) in a result, in bytes; larger ones go to a file. */
  inlineBodyBytes: 64 * 1024,
  /** Queue-level retries: exponential backoff with jitter, `Retry-After` honoured up to a cap. */
  retry: {
    baseDelayMs: 1_000,
    maxDelayMs: 60_000,
    maxRetryAfterMs: 5 * 60_000,
  },
  /** Per-origin limits, fleet-wide on Redis (process-wide in memory). 0 = no limit. */
  limits: {
    concurrency: 32,
    rps: 0,
    leaseTtlMs: 30_000,
    leaseRenewMs: 5_000,
    /**
     * A job whose origin is full is parked and woken when a slot comes back; this is the safety-net
     * delay after which it looks again anyway, in milliseconds (doubles per deferral, jitter added).
     */
    saturatedDelayMs: 1_000,
    /** Cap of that delay, in milliseconds. */
    maxSaturatedDelayMs: 10_000,
    /**
     * A finished job's slot stays with its worker this long for the next job to the same origin
     * (no Redis round trip), in milliseconds; only for an origin the worker starts jobs for more
     * often than that, and when no job was parked on the origin.
     */
    leaseLingerMs: 20,
    /** A slot kept that way is given back for real once this old, in milliseconds (parked jobs get their turn). */
    leaseReuseMs: 500,
  },
  /** Fleet state: heartbeat interval and TTL of a worker's hash, in milliseconds. */
  fleet: {
    heartbeatMs: 1_000,
    ttlMs: 5_000,
    closeConnectionsTimeoutMs: 30_000,
  },
  /** BullMQ worker: lock, stall detection, and graceful-close grace period, in milliseconds. */
  worker: {
    lockDurationMs: 30_000,
    stalledIntervalMs: 15_000,
    maxStalledCount: 2,
    graceMs: 30_000,
  },
  /** Job payload caps (enforced by the schema). */
  job: {
    maxUrlLength: 8 * 1024,
    maxBodyBytes: 1024 * 1024,
    maxHeaderPairs: 200,
    maxTimeoutMs: 60 * 60_000,
    maxRedirects: 50,
  },
  /**
   * Operator maxima on what an upstream may send a `request` job (service mode, issue 13): a job
   * may ask for less, never for more; a job asking 0 (or nothing) gets the maximum.
   * 64 MiB: a result body is served back whole by `GET /v1/requests/:id/body` and 16 jobs in flight
   * hold at most 1 GiB of disk between them; an API answer larger than that is a download, which
   * has its own bound. 5 min: a slow API answers in seconds, and a silent upstream must not hold a
   * worker slot for longer than that (the same bound applies to the headers and body timeouts a
   * job sets to 0).
   */
  upstream: {
    maxResponseBytes: 64 * 1024 * 1024,
    maxTotalTimeoutMs: 5 * 60_000,
  },
  /**
   * Result files kept in all, in bytes: past it the sweep deletes the oldest bodies first (their
   * jobs' records stay, `GET …/body` answers 404). 4 GiB = 64 bodies at the size cap.
   */
  resultsMaxBytes: 4 * 1024 ** 3,
  /**
   * Depth bound of a queue: unfinished jobs (waiting, delayed, active) and their payload bytes;
   * past either, `enqueue` answers `QUEUE_FULL`. 100,000 jobs keeps a backlog of small jobs
   * (about 1 KiB each: ~100 MiB) well inside a 1 GiB server or Redis; 256 MiB of payload is 256
   * jobs with the largest body (1 MiB), enough for bursts, yet a quarter of such a budget. An
   * operator with more memory raises both (`COURIER_MAX_QUEUED_JOBS`, `COURIER_MAX_QUEUED_BYTES`).
   */
  depth: {
    maxJobs: 100_000,
    maxBytes: 256 * 1024 * 1024,
    /** Counted per job beside its strings (job hash fields, ids, timestamps, the driver's objects). */
    recordOverheadBytes: 512,
    /** `Retry-After` sent with `QUEUE_FULL`, in milliseconds. */
    retryAfterMs: 1_000,
    /** Redis: ledger entries checked for finished jobs per refused enqueue (the ledger's self-healing sweep). */
    sweepEntries: 1_000,
    /** Redis: at most one such sweep per this interval, in milliseconds (refusals stay cheap under a flood). */
    sweepEveryMs: 250,
    /** Redis: a reservation whose job does not exist yet is kept this long before the sweep drops it. */
    reservationGraceMs: 60_000,
    /** Redis: a worker gives back the room of finished jobs in batches, at most this late, in milliseconds. */
    releaseEveryMs: 50,
  },
  /**
   * Batch jobs (`enqueue(…, …, { batch: true })`): one queue job carries up to `maxJobs` requests
   * of one origin and up to `maxBytes` of their payload (`payloadBytes`). 100 requests of about
   * 1 KiB keep a batch's queue-job data near 100 KiB, well under BullMQ's comfortable job size,
   * while the queue's own cost per request (add, fetch, lock, finish) falls a hundredfold.
   */
  batch: {
    maxJobs: 100,
    maxBytes: 1024 * 1024,
  },
  /** Producer-side Redis command timeout, in milliseconds: past it, `QUEUE_UNAVAILABLE`. */
  commandTimeoutMs: 5_000,
} as const;
