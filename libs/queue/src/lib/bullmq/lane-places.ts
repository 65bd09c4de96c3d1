/**
 * How many requests of batch jobs one worker runs at once: at most its `concurrency`, over all
 * its batch jobs, as for plain jobs (one request each). A batch job takes one BullMQ slot but
 * runs up to its origin's limit of requests; without this bound, a worker running several batch
 * jobs to origins without a limit would run hundreds of requests at once.
 *
 * A place is taken before an origin slot is asked for and given back when the lane that used it
 * ends; a slot handed from one batch to another inside the worker (lease-exchange.ts) carries its
 * place along.
 */
export class LanePlaces {
  #free: number;
  /** Batches waiting for a place: told (all of them; each looks again) when one comes free. */
  readonly #waiting = new Set<() => void>();

  constructor(max: number) {
    this.#free = max;
  }

  /** Takes up to `wanted` places; how many it got (0 when the worker runs `concurrency` requests already). */
  take(wanted: number): number {
    const got = Math.max(0, Math.min(wanted, this.#free));
    this.#free -= got;
    return got;
  }

  give(count = 1): void {
    if (count <= 0) return;
    this.#free += count;
    for (const wake of [...this.#waiting]) wake();
  }

  /** Calls `wake` whenever places come free, until the returned function is called. */
  whenFree(wake: () => void): () => void {
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }
}
