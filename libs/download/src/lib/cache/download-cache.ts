import { createHash, randomBytes } from 'node:crypto';
import { rename, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { CourierError, type Client } from '@courier/origin';
import type { BandwidthLimiter } from '../bandwidth.ts';
import { cacheDefaults } from '../defaults.ts';
import { makeDirectory, onDisk } from '../disk-error.ts';
import { fetchToFile } from '../fetch-to-file.ts';
import type { ProgressMeter } from '../progress.ts';
import { readSidecar } from '../sidecar.ts';
import { abortedError, sleep } from '../sleep.ts';
import type { DownloadOptions } from '../types.ts';
import { readIndex, writeIndex, type UrlIndexEntry } from './cache-index.ts';
import { evictLeastRecentlyUsed, type EvictionReport } from './eviction.ts';
import { RedisLock } from './redis-lock.ts';

export interface DownloadCacheOptions {
  /** Directory of the cache; put it on the filesystem of the download root so files are hard-linked, not copied. */
  cacheDir: string;
  /**
   * Redis shared by every process that uses `cacheDir`: a lock per resource makes one of them
   * fetch while the others wait. Without it the cache dir must belong to this process alone.
   */
  redis?: Redis;
  /** Blob bytes kept before least-recently-used eviction, in bytes. Default 10 GiB; 0 = no cap. */
  maxBytes?: number;
  /** Lock lifetime, in milliseconds (renewed every third of it while held). Default 30,000. */
  lockTtlMs?: number;
  /** First wait between two looks at a lock held elsewhere, in milliseconds (grows ×1.5). Default 25. */
  pollIntervalMs?: number;
  /** Longest wait between two looks at a lock held elsewhere, in milliseconds. Default 500. */
  maxPollIntervalMs?: number;
  /** A URL-keyed entry (no SHA-256 given) is trusted without asking the origin for this long, in milliseconds. Default 60,000. */
  revalidateAfterMs?: number;
  /** Unfinished transfers untouched for this long are removed by eviction, in milliseconds. Default 24 h. */
  partialMaxAgeMs?: number;
  /** Prefix of the Redis keys. Default `courier:download:`. */
  keyPrefix?: string;
}

/** One request for a blob, from `download()`. */
export interface CacheFetchRequest {
  client: Client;
  url: string;
  sha256?: string;
  size?: number;
  headers?: Record<string, string>;
  resume: boolean;
  signal: AbortSignal;
  meter: ProgressMeter;
  bandwidth: readonly BandwidthLimiter[];
  maxRetries?: number;
  retryDelayMs?: number;
  maxRestarts?: number;
  request?: DownloadOptions['request'];
}

export interface CacheFetchResult {
  /** The verified file in the cache, ready to be linked or copied. */
  blob: string;
  bytes: number;
  sha256: string;
  /** Bytes fetched from upstream by this call (0 on a hit). */
  fetchedBytes: number;
  resumedFrom: number;
  source: 'network' | 'cache';
}

type Lookup = { kind: 'hit'; blob: string; bytes: number; sha256: string } | { kind: 'stale'; entry: UrlIndexEntry } | { kind: 'miss' };

/** How often a lost lock (renewal failed) sends the fetch back to the waiting room before giving up. */
const MAX_LOCK_LOSSES = 3;

/**
 * A content-addressed download cache shared by processes (and machines, on a shared volume):
 *
 * ```
 * <cacheDir>/sha256/<hex>          verified blobs, named by their SHA-256
 * <cacheDir>/url/<key>.json        URL → version and blob, for downloads without a given SHA-256
 * <cacheDir>/partial/<key>.part    transfers in progress (+ .part.json sidecar), resumable by any process
 * ```
 *
 * The key is `sha256-<hex>` when the digest is known, else a hash of the URL and the request
 * headers. One process per key fetches at a time (Redis lock); the others wait and then use the
 * blob. Only transfers carrying a body reach the origin's GET count: a revalidation answered
 * 304 carries none.
 */
export class DownloadCache {
  readonly dir: string;
  readonly #redis: Redis | undefined;
  readonly #o: Required<Omit<DownloadCacheOptions, 'redis' | 'cacheDir'>>;
  #ready: Promise<void> | null = null;
  #evicting: Promise<EvictionReport> | null = null;

  constructor(options: DownloadCacheOptions) {
    if (typeof options?.cacheDir !== 'string' || options.cacheDir.length === 0) throw new CourierError('BAD_OPTION', 'cacheDir must be a non-empty path');
    this.dir = path.resolve(options.cacheDir);
    this.#redis = options.redis;
    this.#o = {
      maxBytes: options.maxBytes ?? cacheDefaults.maxBytes,
      lockTtlMs: options.lockTtlMs ?? cacheDefaults.lockTtlMs,
      pollIntervalMs: options.pollIntervalMs ?? cacheDefaults.pollIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs ?? cacheDefaults.maxPollIntervalMs,
      revalidateAfterMs: options.revalidateAfterMs ?? cacheDefaults.revalidateAfterMs,
      partialMaxAgeMs: options.partialMaxAgeMs ?? cacheDefaults.partialMaxAgeMs,
      keyPrefix: options.keyPrefix ?? cacheDefaults.keyPrefix,
    };
    for (const [name, value] of Object.entries(this.#o)) {
      if (name !== 'keyPrefix' && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        throw new CourierError('BAD_OPTION', `cache option ${name} must be a number ≥ 0, got ${String(value)}`);
      }
    }
    if (this.#o.lockTtlMs < 3) throw new CourierError('BAD_OPTION', 'lockTtlMs must be at least 3 ms');
  }

  /** The single-flight key: content-addressed when the digest is known, else URL + request headers. */
  keyFor(url: string, sha256?: string, headers?: Record<string, string>): string {
    if (sha256) return `sha256-${sha256}`;
    return `url-${createHash('sha256').update(url).update('\0').update(headersFingerprint(headers)).digest('hex')}`;
  }

  blobPath(sha256: string): string {
    return path.join(this.dir, 'sha256', sha256);
  }

  /** A verified blob for the request: from the cache, from the transfer another process is running, or fetched now. */
  async fetch(req: CacheFetchRequest): Promise<CacheFetchResult> {
    await this.#prepare();
    const key = this.keyFor(req.url, req.sha256, req.headers);
    for (let losses = 0; ; losses += 1) {
      const found = await this.#lookup(key, req);
      if (found.kind === 'hit') return this.#hit(found);
      const acquired = this.#redis ? await this.#acquire(key, req) : ({ kind: 'local' } as const);
      if (acquired.kind === 'hit') return this.#hit(acquired);
      const lock = acquired.kind === 'lock' ? acquired.lock : acquired.kind;
      try {
        return await this.#fetchHolding(key, req, lock);
      } catch (error) {
        // Another process may have taken over a lock we lost: wait for it like any follower.
        if (lock instanceof RedisLock && lock.lost.aborted && !req.signal.aborted && losses < MAX_LOCK_LOSSES) continue;
        throw error;
      } finally {
        if (lock instanceof RedisLock) await lock.release();
      }
    }
  }

  /** Runs eviction now (it also runs after every new blob). */
  evict(protect: readonly string[] = []): Promise<EvictionReport> {
    this.#evicting ??= evictLeastRecentlyUsed(
      path.join(this.dir, 'sha256'),
      path.join(this.dir, 'partial'),
      this.#o.maxBytes,
      this.#o.partialMaxAgeMs,
      new Set(protect),
    ).finally(() => (this.#evicting = null));
    return this.#evicting;
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      for (const sub of ['sha256', 'url', 'partial']) await makeDirectory('create cache directory', path.join(this.dir, sub));
    })().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async #lookup(key: string, req: CacheFetchRequest): Promise<Lookup> {
    if (req.sha256) {
      const blob = this.blobPath(req.sha256);
      const size = await sizeOf(blob);
      return size === null ? { kind: 'miss' } : { kind: 'hit', blob, bytes: size, sha256: req.sha256 };
    }
    const entry = await readIndex(this.#indexPath(key));
    if (!entry) return { kind: 'miss' };
    const blob = this.blobPath(entry.sha256);
    const size = await sizeOf(blob);
    if (size === null) return { kind: 'miss' };
    if (Date.now() - entry.checkedAt > this.#o.revalidateAfterMs) return { kind: 'stale', entry };
    return { kind: 'hit', blob, bytes: size, sha256: entry.sha256 };
  }

  async #hit(found: { blob: string; bytes: number; sha256: string }): Promise<CacheFetchResult> {
    await touch(found.blob);
    return { blob: found.blob, bytes: found.bytes, sha256: found.sha256, fetchedBytes: 0, resumedFrom: 0, source: 'cache' };
  }

  /**
   * Waits for the lock. While another process holds it, looks again with a growing interval
   * (polling Redis is what lock clients such as redlock do; pub/sub would need a second
   * connection per waiter) and reports the holder's progress from its part file. Returns the
   * lock, a hit (the holder finished), or 'unavailable' when Redis does not answer.
   */
  async #acquire(key: string, req: CacheFetchRequest): Promise<{ kind: 'lock'; lock: RedisLock } | { kind: 'unavailable' } | Extract<Lookup, { kind: 'hit' }>> {
    const redis = this.#redis!;
    const partPath = this.#partPath(key);
    let interval = this.#o.pollIntervalMs;
    for (;;) {
      if (req.signal.aborted) throw abortedError(req.signal);
      let lock: RedisLock | null;
      try {
        lock = await RedisLock.tryAcquire(redis, `${this.#o.keyPrefix}lock:${key}`, this.#o.lockTtlMs);
      } catch {
        return { kind: 'unavailable' };
      }
      if (lock) return { kind: 'lock', lock };
      const found = await this.#lookup(key, req);
      if (found.kind === 'hit') return found;
      const bytes = (await sizeOf(partPath)) ?? 0;
      const total = (await readSidecar(partPath))?.total ?? req.size ?? null;
      req.meter.update(bytes, total, 'waiting');
      await sleep(interval, req.signal);
      interval = Math.min(this.#o.maxPollIntervalMs, Math.ceil(interval * 1.5));
    }
  }

  async #fetchHolding(key: string, req: CacheFetchRequest, lock: RedisLock | 'local' | 'unavailable'): Promise<CacheFetchResult> {
    // The holder before us may have finished between our last look and our lock.
    const found = await this.#lookup(key, req);
    if (found.kind === 'hit') return this.#hit(found);
    const stale = found.kind === 'stale' ? found.entry : undefined;
    // Without the lock (Redis away) another process may be writing the shared part: use a private one.
    const base = lock === 'unavailable' ? `${key}.${process.pid}-${randomBytes(4).toString('hex')}` : key;
    const target = path.join(this.dir, 'partial', `${base}.done`);
    const signal = lock instanceof RedisLock ? AbortSignal.any([req.signal, lock.lost]) : req.signal;
    const outcome = await fetchToFile({
      client: req.client,
      url: req.url,
      target,
      partPath: this.#partPath(base),
      resume: req.resume && lock !== 'unavailable',
      signal,
      meter: req.meter,
      bandwidth: req.bandwidth,
      ...(req.sha256 ? { sha256: req.sha256 } : {}),
      ...(req.size !== undefined ? { size: req.size } : {}),
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.request ? { request: req.request } : {}),
      ...(stale ? { conditional: stale.validator } : {}),
      ...(req.maxRetries !== undefined ? { maxRetries: req.maxRetries } : {}),
      ...(req.retryDelayMs !== undefined ? { retryDelayMs: req.retryDelayMs } : {}),
      ...(req.maxRestarts !== undefined ? { maxRestarts: req.maxRestarts } : {}),
    });
    if (outcome.kind === 'not-modified') {
      const entry = stale!;
      await writeIndex(this.#indexPath(key), { ...entry, checkedAt: Date.now() });
      return this.#hit({ blob: this.blobPath(entry.sha256), bytes: entry.size, sha256: entry.sha256 });
    }
    const blob = this.blobPath(outcome.sha256);
    await onDisk('store in cache', blob, () => rename(target, blob));
    await touch(blob);
    if (!req.sha256) {
      await onDisk('write cache index', this.#indexPath(key), () =>
        writeIndex(this.#indexPath(key), { v: 1, validator: outcome.validator, sha256: outcome.sha256, size: outcome.bytes, checkedAt: Date.now() }),
      );
    }
    // Eviction must not hold up this download's waiters; its failure is not this download's.
    await this.evict([blob]).catch(() => {});
    return { blob, bytes: outcome.bytes, sha256: outcome.sha256, fetchedBytes: outcome.fetchedBytes, resumedFrom: outcome.resumedFrom, source: 'network' };
  }

  #indexPath(key: string): string {
    return path.join(this.dir, 'url', `${key}.json`);
  }

  #partPath(base: string): string {
    return path.join(this.dir, 'partial', `${base}.part`);
  }
}

export function createDownloadCache(options: DownloadCacheOptions): DownloadCache {
  return new DownloadCache(options);
}

/** Request headers that change what the origin sends (credentials, Accept …), in a stable order. */
export function headersFingerprint(headers: Record<string, string> | undefined): string {
  if (!headers) return '';
  return Object.entries(headers)
    .map(([name, value]) => `${name.toLowerCase()}:${value}`)
    .sort()
    .join('\n');
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Marks a blob as used now for LRU (atime set explicitly, mtime kept). */
async function touch(file: string): Promise<void> {
  try {
    const s = await stat(file);
    await utimes(file, new Date(), s.mtime);
  } catch {
    // Gone or read-only: eviction order is a hint, not a correctness matter.
  }
}
