/**
 * Requests per second and p50/p99 latency per origin over the last minute: the dashboard's
 * figures for this process, and what each worker publishes with its fleet snapshot.
 *
 * Written by hand rather than with a histogram library: the metrics plugin's prom-client
 * histogram is cumulative and top-N only, and an HDR histogram per origin would weigh kilobytes
 * each for 10,000 origins. Here an origin costs 12 five-second count buckets plus a ring of its
 * most recent latencies (grown on demand up to `maxSamples`), and is forgotten once it has had no
 * request for a minute. Percentiles are exact over the samples kept, which are all of the last
 * minute's requests unless an origin ran more than `maxSamples` of them (then the most recent).
 */

/** Length of the window, in milliseconds. */
export const windowMs = 60_000;
const bucketMs = 5_000;
const bucketCount = windowMs / bucketMs;

export interface RequestWindowOptions {
  /** Latencies kept per origin for the percentiles (the most recent ones). */
  maxSamples?: number;
  /** Origins tracked at most; past that the least recently added one is dropped. */
  maxOrigins?: number;
  /** How long a computed figure is reused, in milliseconds (0 = never): a second's staleness does not matter on screen. */
  recomputeMs?: number;
}

/** One origin's figures; latencies in milliseconds, null when no request ended in the window. */
export interface OriginRequestStats {
  /** Requests per second over the window (or over the time since counting began, when shorter). */
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

const none: OriginRequestStats = Object.freeze({ rps: 0, p50Ms: null, p99Ms: null });

class OriginWindow {
  /** Requests ended per 5-second bucket; `bucketIds[i]` says which bucket slot `i` holds now. */
  readonly counts = new Uint32Array(bucketCount);
  readonly bucketIds = new Int32Array(bucketCount).fill(-1);
  durations = new Float64Array(8);
  endedAt = new Float64Array(8);
  /** Next slot to write, and how many slots hold a sample. */
  head = 0;
  size = 0;
  lastAt = 0;
  cached: OriginRequestStats = none;
  cachedAt = -Infinity;

  add(nowMs: number, durationMs: number, maxSamples: number): void {
    const bucketId = Math.floor(nowMs / bucketMs);
    const slot = bucketId % bucketCount;
    if (this.bucketIds[slot] !== bucketId) {
      this.bucketIds[slot] = bucketId;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += 1;
    if (this.size === this.durations.length && this.size < maxSamples) this.#grow(Math.min(this.size * 2, maxSamples));
    this.durations[this.head] = durationMs;
    this.endedAt[this.head] = nowMs;
    this.head = (this.head + 1) % this.durations.length;
    if (this.size < this.durations.length) this.size += 1;
    this.lastAt = nowMs;
  }

  compute(nowMs: number, elapsedMs: number): OriginRequestStats {
    const firstBucket = Math.floor((nowMs - windowMs) / bucketMs) + 1;
    let count = 0;
    for (let i = 0; i < bucketCount; i++) if (this.bucketIds[i]! >= firstBucket) count += this.counts[i]!;
    const recent: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.endedAt[i]! > nowMs - windowMs) recent.push(this.durations[i]!);
    recent.sort((a, b) => a - b);
    // Nearest-rank percentiles.
    const rank = (p: number) => recent[Math.max(0, Math.ceil(p * recent.length) - 1)]!;
    return {
      rps: count / (Math.min(windowMs, Math.max(elapsedMs, bucketMs)) / 1000),
      p50Ms: recent.length === 0 ? null : rank(0.5),
      p99Ms: recent.length === 0 ? null : rank(0.99),
    };
  }

  #grow(capacity: number): void {
    // Samples are copied oldest first, so the ring restarts at slot 0 with `head` after them.
    const durations = new Float64Array(capacity);
    const endedAt = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) % this.size;
      durations[i] = this.durations[from]!;
      endedAt[i] = this.endedAt[from]!;
    }
    this.durations = durations;
    this.endedAt = endedAt;
    this.head = this.size;
  }
}

export class RequestWindow {
  readonly #origins = new Map<string, OriginWindow>();
  readonly #maxSamples: number;
  readonly #maxOrigins: number;
  readonly #recomputeMs: number;
  readonly #startedAt: number;

  constructor(options: RequestWindowOptions = {}, nowMs = Date.now()) {
    this.#maxSamples = options.maxSamples ?? 256;
    this.#maxOrigins = options.maxOrigins ?? 50_000;
    this.#recomputeMs = options.recomputeMs ?? 1_000;
    this.#startedAt = nowMs;
  }

  /** Records one request that ended at `nowMs` after `durationMs`. */
  record(origin: string, durationMs: number, nowMs = Date.now()): void {
    let w = this.#origins.get(origin);
    if (w === undefined) {
      if (this.#origins.size >= this.#maxOrigins) this.#origins.delete(this.#origins.keys().next().value!);
      w = new OriginWindow();
      this.#origins.set(origin, w);
    }
    w.add(nowMs, durationMs, this.#maxSamples);
  }

  /** The origin's figures at `nowMs` (computed at most once per `recomputeMs`). */
  stats(origin: string, nowMs = Date.now()): OriginRequestStats {
    const w = this.#origins.get(origin);
    if (w === undefined) return none;
    if (nowMs - w.cachedAt < this.#recomputeMs) return w.cached;
    if (nowMs - w.lastAt >= windowMs) {
      this.#origins.delete(origin);
      return none;
    }
    w.cached = w.compute(nowMs, nowMs - this.#startedAt);
    w.cachedAt = nowMs;
    return w.cached;
  }

  /** Drops origins with no request in the last minute (their memory returns). */
  prune(nowMs = Date.now()): void {
    for (const [origin, w] of this.#origins) if (nowMs - w.lastAt >= windowMs) this.#origins.delete(origin);
  }

  /** Origins tracked now. */
  get size(): number {
    return this.#origins.size;
  }
}
