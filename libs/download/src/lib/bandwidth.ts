import { CourierError } from '@courier/origin';
import { sleep } from './sleep.ts';

/**
 * A token bucket in bytes. `take(n)` resolves once `n` bytes fit under the rate; the download
 * awaits it before writing each chunk, so a capped download simply reads the socket more slowly
 * (backpressure), with nothing piling up in memory. One limiter shared by several downloads
 * caps their sum (aria2's `--max-overall-download-limit`).
 */
export class BandwidthLimiter {
  readonly bytesPerSec: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param bytesPerSec sustained rate, in bytes per second (> 0)
   * @param burstBytes bytes allowed at once after an idle spell; default a quarter second's worth (at least 64 KiB)
   */
  constructor(bytesPerSec: number, burstBytes?: number, now: () => number = () => performance.now()) {
    if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) throw new CourierError('BAD_OPTION', `bandwidth must be a positive number of bytes per second, got ${bytesPerSec}`);
    this.bytesPerSec = bytesPerSec;
    this.#burst = burstBytes ?? Math.max(64 * 1024, bytesPerSec / 4);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#last = now();
  }

  /** Milliseconds to wait before `n` bytes may pass (and books them). */
  reserve(n: number): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.bytesPerSec) / 1000);
    this.#last = now;
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.bytesPerSec;
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(n);
    if (wait > 0) await sleep(wait, signal);
  }
}

export function createBandwidthLimiter(bytesPerSec: number, burstBytes?: number): BandwidthLimiter {
  return new BandwidthLimiter(bytesPerSec, burstBytes);
}
