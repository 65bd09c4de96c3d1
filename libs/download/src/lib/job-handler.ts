import { hostname } from 'node:os';
import { z } from 'zod';
import { CourierError, isCourierError, type Client } from '@courier/origin';
import type { BandwidthLimiter } from './bandwidth.ts';
import type { DownloadCache } from './cache/download-cache.ts';
import { downloadDefaults } from './defaults.ts';
import { relativeToRoot } from './confine.ts';
import { download } from './download.ts';
import type { DownloadOptions } from './types.ts';

// These shapes mirror `JobHandler`, `JobProgress` and `DownloadResult` in libs/queue's driver.ts
// structurally: download never imports queue (DESIGN's one-way rule), and @courier/worker registers
// this handler with the queue. Keep them in step with driver.ts.

/** Progress as the queue stores it. */
export interface DownloadJobProgress {
  bytes: number;
  total: number | null;
  /** Bytes per second over the last interval. */
  rate: number;
}

/** What a queue worker hands to the handler. `input` is validated here (`BAD_JOB` when it is not a download). */
export interface QueuedDownloadJob {
  id: string;
  input: unknown;
  attempt: number;
  reportProgress(progress: DownloadJobProgress): void;
  signal: AbortSignal;
}

export interface DownloadJobResult {
  kind: 'download';
  /** `dst` relative to the download root, with `/` separators (never a worker's absolute path). */
  dst: string;
  bytes: number;
  sha256: string;
  /** Bytes fetched from upstream by this job (0 when served from the shared cache or another job's transfer). */
  fetchedBytes: number;
  workerId: string;
}

export type DownloadJobHandler = (job: QueuedDownloadJob) => Promise<DownloadJobResult>;

export interface DownloadJobHandlerOptions {
  client: Client;
  /** Every job's `dst` is confined to this directory. */
  root: string;
  /** Shared cache (and, with Redis, cross-worker single-flight). Strongly advised for fleets. */
  cache?: DownloadCache;
  /** Reported in results. Default `<hostname>:<pid>`. */
  workerId?: string;
  /** One limiter for every job of this worker (an overall cap). */
  bandwidth?: BandwidthLimiter;
  /** Defaults for every job (retries, timeouts, per-download bandwidth). */
  defaults?: Pick<DownloadOptions, 'maxRetries' | 'retryDelayMs' | 'maxRestarts' | 'bandwidthBytesPerSec' | 'request' | 'progressIntervalMs'>;
  /** The operator's bounds on every job (defaults `downloadDefaults.maxJobBytes` / `maxJobTransferMs`). */
  limits?: Partial<DownloadJobLimits>;
}

export interface DownloadJobLimits {
  /** Largest file a job may fetch, in bytes: a job's `size` above it is refused, a body past it fails with `BODY_TOO_LARGE`. */
  maxBytes: number;
  /** Longest single transfer request, in milliseconds (`TOTAL_TIMEOUT`; the part is kept for the next attempt). */
  maxTransferMs: number;
}

/** A configured limit, lowered to `max` (0 and unset mean "no limit", so they become `max` too). */
function atMost(value: number | undefined, max: number): number {
  return value === undefined || value <= 0 || value > max ? max : value;
}

/** The `input` of a download job: what `POST /v1/downloads` and campaigns enqueue. */
export const downloadJobInputSchema = z.object({
  url: z.string().min(1),
  dst: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hexadecimal digits').optional(),
  size: z.number().int().nonnegative().optional(),
  /** An object, or `[name, value]` pairs as the queue stores them (repeated names are joined with ", "). */
  headers: z
    .union([z.record(z.string(), z.string()), z.array(z.tuple([z.string(), z.string()]))])
    .transform((value) => (Array.isArray(value) ? pairsToRecord(value) : value))
    .optional(),
});

function pairsToRecord(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return headers;
}

export type DownloadJobInput = z.output<typeof downloadJobInputSchema>;

/**
 * A queue job handler for downloads: validates the input, runs `download()` confined to `root`
 * (through `cache` when given), forwards progress, and returns the queue's `DownloadResult`.
 * Failures are CourierErrors whose code tells the queue whether a retry makes sense; the queue
 * owns retries across attempts, and a retried job resumes from the part file (or the cache's).
 */
export function createDownloadJobHandler(options: DownloadJobHandlerOptions): DownloadJobHandler {
  if (!options?.client || typeof options.root !== 'string' || options.root.length === 0) {
    throw new CourierError('BAD_OPTION', 'createDownloadJobHandler needs a client and a download root');
  }
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const maxBytes = options.limits?.maxBytes ?? downloadDefaults.maxJobBytes;
  const maxTransferMs = options.limits?.maxTransferMs ?? downloadDefaults.maxJobTransferMs;
  return async (job) => {
    const parsed = downloadJobInputSchema.safeParse(job.input);
    if (!parsed.success) {
      throw new CourierError('BAD_JOB', `not a download job: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    }
    const input = parsed.data;
    if (input.size !== undefined && input.size > maxBytes) {
      throw new CourierError('BODY_TOO_LARGE', `size: ${input.size} bytes is over this worker's largest download (${maxBytes} bytes, COURIER_MAX_DOWNLOAD_BYTES)`, {
        field: 'size',
        maxBytes,
      });
    }
    try {
      const result = await download(options.client, input.url, input.dst, {
        ...options.defaults,
        // Bounded whatever the defaults say: the job's `size` (checked by the engine) or the maximum.
        request: { ...options.defaults?.request, maxResponseBytes: input.size ? input.size : maxBytes, totalTimeoutMs: atMost(options.defaults?.request?.totalTimeoutMs, maxTransferMs) },
        root: options.root,
        signal: job.signal,
        onProgress: (p) => job.reportProgress({ bytes: p.bytes, total: p.total, rate: p.rate }),
        ...(input.sha256 ? { sha256: input.sha256 } : {}),
        ...(input.size !== undefined ? { size: input.size } : {}),
        ...(input.headers ? { headers: input.headers } : {}),
        ...(options.cache ? { cache: options.cache } : {}),
        ...(options.bandwidth ? { bandwidth: options.bandwidth } : {}),
      });
      return {
        kind: 'download',
        dst: await relativeToRoot(result.dst, options.root),
        bytes: result.bytes,
        sha256: result.sha256,
        fetchedBytes: result.fetchedBytes,
        workerId,
      };
    } catch (error) {
      if (isCourierError(error)) throw error;
      throw new CourierError('INTERNAL', `download job failed: ${String(error)}`, { cause: error });
    }
  };
}
