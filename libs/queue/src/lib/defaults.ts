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
  /** Producer-side Redis command timeout, in milliseconds: past it, `QUEUE_UNAVAILABLE`. */
  commandTimeoutMs: 5_000,
} as const;
