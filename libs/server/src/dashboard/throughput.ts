import type { QueueEvent } from '@courier/queue';

/** The queue's throughput since the previous point: `[epoch ms, completed per second, failed per second]`. */
export type ThroughputPoint = [atMs: number, completedPerSecond: number, failedPerSecond: number];

/**
 * Jobs finished per second, from the queue's own events (not from `counts()`, whose completed
 * and failed totals stop moving once result retention trims them). A failure that will be
 * retried is not a finished job.
 */
export class Throughput {
  readonly #points: ThroughputPoint[] = [];
  readonly #keep: number;
  #completed = 0;
  #failed = 0;
  #since: number;

  /** @param keepPoints points kept for a page that opens later (the chart's width). */
  constructor(keepPoints = 120, nowMs = Date.now()) {
    this.#keep = keepPoints;
    this.#since = nowMs;
  }

  observe(event: QueueEvent): void {
    if (event.type === 'completed') this.#completed += 1;
    else if (event.type === 'failed' && !event.willRetry) this.#failed += 1;
  }

  /** Closes the interval since the last point: its rates are kept and returned. */
  close(nowMs = Date.now()): ThroughputPoint {
    const seconds = Math.max(nowMs - this.#since, 1) / 1000;
    const rate = (n: number) => Math.round((n / seconds) * 100) / 100;
    const point: ThroughputPoint = [nowMs, rate(this.#completed), rate(this.#failed)];
    this.#since = nowMs;
    this.#completed = 0;
    this.#failed = 0;
    this.#points.push(point);
    if (this.#points.length > this.#keep) this.#points.splice(0, this.#points.length - this.#keep);
    return point;
  }

  history(): ThroughputPoint[] {
    return [...this.#points];
  }
}
