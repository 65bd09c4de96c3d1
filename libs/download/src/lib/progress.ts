import { downloadDefaults } from './defaults.ts';
import type { DownloadPhase, DownloadProgress } from './types.ts';

export interface ProgressMeterOptions {
  /** Least time between two reports, in milliseconds; 0 reports every update. */
  intervalMs?: number;
  /** Window the rate is measured over, in milliseconds. */
  rateWindowMs?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

/**
 * Turns byte counts into throttled `DownloadProgress` reports. The rate counts bytes received
 * (not bytes found on disk by a resume) over a sliding window, so a resume does not show a
 * burst of impossible speed.
 */
export class ProgressMeter {
  readonly #report: ((p: DownloadProgress) => void) | undefined;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #bytes = 0;
  #total: number | null = null;
  #phase: DownloadPhase = 'fetching';
  #received = 0;
  #samples: Array<{ t: number; received: number }> = [];
  #lastReport = -Infinity;

  constructor(report: ((p: DownloadProgress) => void) | undefined, options: ProgressMeterOptions = {}) {
    this.#report = report;
    this.#intervalMs = options.intervalMs ?? downloadDefaults.progressIntervalMs;
    this.#windowMs = options.rateWindowMs ?? downloadDefaults.rateWindowMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Bytes held now (absolute), the total when known, and the phase. */
  update(bytes: number, total: number | null, phase: DownloadPhase): void {
    this.#bytes = bytes;
    // A new phase or a newly known total is worth a report at once (a bar can size itself).
    const changed = phase !== this.#phase || (total !== null && total !== this.#total);
    if (total !== null) this.#total = total;
    this.#phase = phase;
    this.#maybeReport(changed);
  }

  /** `n` new bytes arrived from the network. */
  received(n: number): void {
    this.#received += n;
  }

  /** Reports now, whatever the interval. */
  flush(phase?: DownloadPhase): void {
    if (phase) this.#phase = phase;
    this.#maybeReport(true);
  }

  snapshot(): DownloadProgress {
    const now = this.#now();
    this.#sample(now);
    const oldest = this.#samples[0]!;
    const newest = this.#samples[this.#samples.length - 1]!;
    const span = newest.t - oldest.t;
    const rate = span > 0 ? Math.round(((newest.received - oldest.received) * 1000) / span) : 0;
    const left = this.#total === null ? null : Math.max(0, this.#total - this.#bytes);
    const etaSeconds = left === null ? null : left === 0 ? 0 : rate > 0 ? left / rate : null;
    return { bytes: this.#bytes, total: this.#total, rate, etaSeconds, phase: this.#phase };
  }

  #sample(now: number): void {
    const last = this.#samples[this.#samples.length - 1];
    if (!last || last.received !== this.#received || now - last.t >= this.#windowMs / 4) this.#samples.push({ t: now, received: this.#received });
    // Keep one sample at or beyond the window's start so the span covers the whole window.
    while (this.#samples.length > 2 && now - this.#samples[1]!.t >= this.#windowMs) this.#samples.shift();
  }

  #maybeReport(force: boolean): void {
    if (!this.#report) return;
    const now = this.#now();
    if (!force && now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    this.#report(this.snapshot());
  }
}

/**
 * Progress as an async iterable for progress bars: `push` is the download's `onProgress`, the
 * iterator yields the latest report (a slow consumer skips stale ones instead of building a
 * backlog) and ends after `end()`, or throws the error given to `end(error)`.
 */
export class ProgressStream implements AsyncIterable<DownloadProgress> {
  #latest: DownloadProgress | null = null;
  #ended = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  /** Bound, so it can be passed as `onProgress` directly. */
  readonly push = (progress: DownloadProgress): void => {
    if (this.#ended) return;
    this.#latest = progress;
    this.#signal();
  };

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#error = error;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<DownloadProgress> {
    for (;;) {
      if (this.#latest) {
        const next = this.#latest;
        this.#latest = null;
        yield next;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== null) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
