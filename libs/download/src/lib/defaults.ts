/** Every default of @courier/download in one place (STYLE: options are types with units, defaults live here). */
export const downloadDefaults = Object.freeze({
  /** Consecutive cut transfers (no new byte on disk between them) before giving up. */
  maxRetries: 5,
  /** First retry delay after a cut that made no progress, in milliseconds (doubles, with jitter). */
  retryDelayMs: 200,
  /** Longest retry delay, in milliseconds. */
  maxRetryDelayMs: 10_000,
  /** Restarts from zero because the resource changed, within one call, before `RESOURCE_CHANGED`. */
  maxRestarts: 2,
  /** Least time between two progress reports, in milliseconds. */
  progressIntervalMs: 100,
  /** Window over which the transfer rate is measured, in milliseconds. */
  rateWindowMs: 1_000,
  /** Bytes per slot: the body is copied into slots, each hashed and written as one unit (see writePieceBytes). */
  writeBatchBytes: 1024 * 1024,
  /**
   * Slots per download, hence slots on their way to disk at once: memory held ≤ this ×
   * writeBatchBytes, and what a resume after a crash distrusts at the part's end (see sidecar.ts).
   */
  maxWritesInFlight: 4,
  /**
   * Bytes per write() call. Measured on the bench VM: the kernel's copy into
   * the page cache cost 3–6× more per byte in 1 MiB writes than in 64 KiB ones.
   */
  writePieceBytes: 64 * 1024,
  /** A background fdatasync starts each time this many more bytes are on disk, so the final fsync has little left (0 = off). */
  syncEveryBytes: 64 * 1024 * 1024,
  /**
   * Largest download a queued job may fetch when it gives no `size` (one with a larger `size` is
   * refused), in bytes. 16 GiB: above any firmware or OS image the service is for, below a disk.
   */
  maxJobBytes: 16 * 1024 ** 3,
  /**
   * Longest single transfer request of a queued job, in milliseconds (a cut one resumes on the next
   * attempt). 6 h: 16 GiB at 1 MB/s; a stalled body already fails sooner on the idle (body) timeout.
   */
  maxJobTransferMs: 6 * 3600_000,
  /** A `.part` under the download root untouched this long is abandoned and swept by the worker, in milliseconds. */
  stalePartMaxAgeMs: 24 * 3600_000,
});

export const cacheDefaults = Object.freeze({
  /** Blobs kept in the shared cache before the least recently used are evicted, in bytes. 0 = no cap. */
  maxBytes: 10 * 1024 ** 3,
  /** Lifetime of the cross-process lock, in milliseconds; renewed every third of it while held. */
  lockTtlMs: 30_000,
  /** First wait between two looks at a lock held by another process, in milliseconds (grows ×1.5). */
  pollIntervalMs: 25,
  /** Longest wait between two looks at a held lock, in milliseconds. */
  maxPollIntervalMs: 500,
  /** A URL-keyed entry (no SHA-256 given) is used without asking the origin for this long after it was checked, in milliseconds. */
  revalidateAfterMs: 60_000,
  /** Unfinished transfers untouched for this long are removed by eviction, in milliseconds. */
  partialMaxAgeMs: 24 * 3600_000,
  /** Prefix of the Redis keys. */
  keyPrefix: 'courier:download:',
});
