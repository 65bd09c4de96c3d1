import { createHash } from 'node:crypto';
import { CourierError, isCourierError, parseUrl, type Client } from '@courier/origin';
import { BandwidthLimiter } from './bandwidth.ts';
import { headersFingerprint, type CacheFetchResult } from './cache/download-cache.ts';
import { resolveDestination } from './confine.ts';
import { publishDownloadEnd } from './diagnostics.ts';
import { fetchToFile } from './fetch-to-file.ts';
import { InFlight } from './in-flight.ts';
import { placeFile, SourceGoneError } from './place-file.ts';
import { ProgressMeter } from './progress.ts';
import { abortedError } from './sleep.ts';
import type { DownloadOptions, DownloadProgress, DownloadResult } from './types.ts';

/** What the shared work of one key produces; each participant turns it into its own `dst`. */
interface SharedFile {
  /** A verified file that participants link or copy from. */
  file: string;
  bytes: number;
  sha256: string;
  fetchedBytes: number;
  resumedFrom: number;
  source: 'network' | 'cache';
}

/** One process, one map: concurrent downloads of the same thing share one transfer. */
const inFlight = new InFlight<SharedFile>();
/** Final paths being written by a direct (cache-less) transfer, to refuse a second writer. */
const busyTargets = new Set<string>();

/** How many times a follower starts over when the shared work went away under it (leader aborted, blob evicted). */
const MAX_REJOINS = 3;

/** Shared transfers running in this process, and the calls waiting on them (for metrics and tests). */
export function downloadStats(): { transfers: number; participants: number } {
  return { transfers: inFlight.size, participants: inFlight.participants };
}

function normaliseSha256(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) throw new CourierError('BAD_OPTION', 'sha256 must be 64 hexadecimal digits');
  return value.toLowerCase();
}

function checkOptions(options: DownloadOptions): void {
  if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) throw new CourierError('BAD_OPTION', `size must be an integer ≥ 0, got ${String(options.size)}`);
  for (const name of ['maxRetries', 'maxRestarts', 'retryDelayMs', 'progressIntervalMs', 'bandwidthBytesPerSec'] as const) {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new CourierError('BAD_OPTION', `${name} must be a number ≥ 0, got ${String(v)}`);
  }
  if (options.headers !== undefined && (typeof options.headers !== 'object' || options.headers === null)) throw new CourierError('BAD_OPTION', 'headers must be an object');
}

/**
 * Downloads `url` to `dst`: streamed to `<dst>.part`, resumed with `Range` + `If-Range` after a
 * cut or a restart, verified (size, SHA-256), fsynced and renamed into place. Concurrent calls
 * for the same URL (and digest) in this process share one transfer; with `options.cache`, so do
 * calls in other processes that share the cache directory and Redis.
 *
 * Errors are CourierErrors: `BAD_PATH`, `BAD_OPTION`, `HTTP_STATUS` (status in details),
 * `CHECKSUM_MISMATCH`, `RESOURCE_CHANGED`, `DISK_ERROR`, `ABORTED`, `CONFLICT` and the origin's
 * transport codes once retries are spent. A failed download never leaves a file at `dst`.
 */
export async function download(client: Client, url: string, dst: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const startedAt = performance.now();
  try {
    const result = await run(client, url, dst, options);
    publishDownloadEnd({ url, dst: result.dst, result, error: null, durationMs: performance.now() - startedAt });
    return result;
  } catch (error) {
    const err = isCourierError(error) ? error : new CourierError('INTERNAL', `download failed: ${String(error)}`, { cause: error });
    publishDownloadEnd({ url, dst, result: null, error: err, durationMs: performance.now() - startedAt });
    throw err;
  }
}

async function run(client: Client, url: string, dst: string, options: DownloadOptions): Promise<DownloadResult> {
  const href = parseUrl(url).href;
  const sha256 = normaliseSha256(options.sha256);
  checkOptions(options);
  if (options.signal?.aborted) throw abortedError(options.signal);
  const target = await resolveDestination(dst, options.root);
  const opts = { ...options, ...(sha256 ? { sha256 } : {}) };

  for (let rejoin = 0; ; rejoin += 1) {
    const key = options.cache
      ? options.cache.keyFor(href, sha256, options.headers)
      : `direct:${createHash('sha256').update(`${href}\0${sha256 ?? ''}\0${headersFingerprint(options.headers)}`).digest('hex')}`;
    const participant = { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
    const joined = options.cache
      ? inFlight.join(key, participant, (signal, progress) => fetchViaCache(client, href, opts, signal, progress), false)
      : inFlight.join(key, participant, (signal, progress) => fetchDirect(client, href, target, opts, signal, progress), true);
    try {
      const shared = await joined.result;
      if (joined.leader && shared.file === target) return resultOf(target, shared, shared.source);
      if (options.size !== undefined && shared.bytes !== options.size) {
        throw new CourierError('CHECKSUM_MISMATCH', `got ${shared.bytes} bytes, expected ${options.size}`, { expectedSize: options.size, actualSize: shared.bytes });
      }
      if (shared.file !== target) await placeFile(shared.file, target);
      if (!joined.leader) {
        reportDone(options.onProgress, shared.bytes);
        return { ...resultOf(target, shared, 'shared'), fetchedBytes: 0, resumedFrom: 0 };
      }
      reportDone(options.onProgress, shared.bytes);
      return resultOf(target, shared, shared.source);
    } catch (error) {
      if (rejoin < MAX_REJOINS && !options.signal?.aborted && mayRejoin(error, joined.leader)) continue;
      throw error;
    }
  }
}

/** A follower whose leader stopped (its own abort, its own disk) or whose source vanished tries again. */
function mayRejoin(error: unknown, leader: boolean): boolean {
  if (error instanceof SourceGoneError) return true;
  if (leader || !isCourierError(error)) return false;
  return error.code === 'ABORTED' || error.code === 'DISK_ERROR' || error.code === 'BAD_PATH' || error.code === 'CONFLICT';
}

function resultOf(dst: string, shared: SharedFile, source: DownloadResult['source']): DownloadResult {
  return { dst, bytes: shared.bytes, sha256: shared.sha256, fetchedBytes: shared.fetchedBytes, resumedFrom: shared.resumedFrom, source };
}

function reportDone(onProgress: DownloadOptions['onProgress'], bytes: number): void {
  onProgress?.({ bytes, total: bytes, rate: 0, etaSeconds: 0, phase: 'done' });
}

function limitersOf(options: DownloadOptions): BandwidthLimiter[] {
  const limiters: BandwidthLimiter[] = [];
  if (options.bandwidthBytesPerSec) limiters.push(new BandwidthLimiter(options.bandwidthBytesPerSec));
  if (options.bandwidth) limiters.push(options.bandwidth);
  return limiters;
}

function meterOf(options: DownloadOptions, progress: (p: DownloadProgress) => void): ProgressMeter {
  return new ProgressMeter(progress, options.progressIntervalMs !== undefined ? { intervalMs: options.progressIntervalMs } : {});
}

function engineOptions(options: DownloadOptions) {
  return {
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
    ...(options.size !== undefined ? { size: options.size } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.request ? { request: options.request } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
  };
}

/** The leader's transfer straight into its own `dst` (no cache): followers link from it. */
async function fetchDirect(client: Client, url: string, target: string, options: DownloadOptions, signal: AbortSignal, progress: (p: DownloadProgress) => void): Promise<SharedFile> {
  if (busyTargets.has(target)) throw new CourierError('CONFLICT', `another download is writing ${target}`, { dst: target });
  busyTargets.add(target);
  try {
    const outcome = await fetchToFile({
      client,
      url,
      target,
      resume: options.resume ?? true,
      signal,
      meter: meterOf(options, progress),
      bandwidth: limitersOf(options),
      ...engineOptions(options),
    });
    if (outcome.kind !== 'fetched') throw new CourierError('INTERNAL', 'unexpected not-modified answer without a conditional request');
    return { file: target, bytes: outcome.bytes, sha256: outcome.sha256, fetchedBytes: outcome.fetchedBytes, resumedFrom: outcome.resumedFrom, source: 'network' };
  } finally {
    busyTargets.delete(target);
  }
}

/** The leader's fetch of the blob through the shared cache (which may find it there, or wait for another process). */
async function fetchViaCache(client: Client, url: string, options: DownloadOptions, signal: AbortSignal, progress: (p: DownloadProgress) => void): Promise<SharedFile> {
  const meter = meterOf(options, progress);
  const found: CacheFetchResult = await options.cache!.fetch({
    client,
    url,
    resume: options.resume ?? true,
    signal,
    meter,
    bandwidth: limitersOf(options),
    ...engineOptions(options),
  });
  return { file: found.blob, bytes: found.bytes, sha256: found.sha256, fetchedBytes: found.fetchedBytes, resumedFrom: found.resumedFrom, source: found.source };
}
