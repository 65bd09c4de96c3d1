import type { RequestInit } from '@courier/origin';
import type { BandwidthLimiter } from './bandwidth.ts';
import type { DownloadCache } from './cache/download-cache.ts';

/** What a download is doing when it reports progress. */
export type DownloadPhase =
  /** Hashing the bytes already on disk before resuming. */
  | 'verifying'
  /** Receiving bytes from the origin (this call's own transfer or a shared one). */
  | 'fetching'
  /** Waiting for a transfer owned by another process (cross-process single-flight). */
  | 'waiting'
  /** The file is in place. */
  | 'done';

export interface DownloadProgress {
  /** Bytes of the file held so far, resumed bytes included. */
  bytes: number;
  /** Expected size in bytes; null while unknown. */
  total: number | null;
  /** Transfer rate over the last `rateWindowMs`, in bytes per second. */
  rate: number;
  /** Seconds left at the current rate; null when the total or the rate is unknown. */
  etaSeconds: number | null;
  phase: DownloadPhase;
}

export interface DownloadOptions {
  /**
   * Download root: `dst` must stay inside it (no `..`, no absolute path outside it, no symlink
   * leading out of it), else `BAD_PATH`. Relative `dst`s are resolved against it. Without a root,
   * `dst` is taken as given (the CLI's `-o FILE`), relative to the working directory.
   */
  root?: string;
  /** Expected SHA-256 of the file, 64 hex digits; a mismatch gives `CHECKSUM_MISMATCH`. */
  sha256?: string;
  /** Expected size in bytes; a mismatch gives `CHECKSUM_MISMATCH` (early, from the response head, when it can). */
  size?: number;
  /** Continue from `<dst>.part` left by an earlier cut or process. Default true. */
  resume?: boolean;
  /** Called at most every `progressIntervalMs`, and once more at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborting rejects with `ABORTED`; the part file stays for a later resume. */
  signal?: AbortSignal;
  /** Extra request headers (credentials allowed; `range`, `if-range` are the downloader's). */
  headers?: Record<string, string>;
  /** Shared content-addressed cache with cross-process single-flight (see `createDownloadCache`). */
  cache?: DownloadCache;
  /** Cap for this download, in bytes per second. 0 or absent = no cap. */
  bandwidthBytesPerSec?: number;
  /** A limiter shared by several downloads (an overall cap); applies on top of `bandwidthBytesPerSec`. */
  bandwidth?: BandwidthLimiter;
  /** Consecutive cuts without progress before the error is thrown. Default 5. */
  maxRetries?: number;
  /** First delay before retrying a cut that made no progress, in milliseconds. Default 200. */
  retryDelayMs?: number;
  /** Restarts from zero because the file changed on the origin, before `RESOURCE_CHANGED`. Default 2. */
  maxRestarts?: number;
  /** Least time between two progress reports, in milliseconds. Default 100; 0 reports every write. */
  progressIntervalMs?: number;
  /** Per-request settings passed to the origin client (timeouts, TLS, redirects). */
  request?: Omit<RequestInit, 'method' | 'body' | 'headers' | 'signal'>;
}

/** Where the bytes of a finished download came from. */
export type DownloadSource =
  /** This call ran the upstream transfer. */
  | 'network'
  /** Another call in this process ran it; this one linked or copied its file. */
  | 'shared'
  /** The shared cache already had it (filled by any process). */
  | 'cache';

export interface DownloadResult {
  /** Absolute path of the file. */
  dst: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the file, lower-case hex (computed while writing, whether or not one was given). */
  sha256: string;
  /** Bytes this call received from upstream (0 when another call or the cache provided the file). */
  fetchedBytes: number;
  /** Bytes that were already on disk when this call's transfer started (a resume). */
  resumedFrom: number;
  source: DownloadSource;
}
