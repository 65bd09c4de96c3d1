import type { Lease } from '../limits/limit-store.ts';

/**
 * Slots handed from batch to batch inside one worker: a lane whose batch has nothing left to run
 * gives its lease to a batch of this worker waiting for the same origin instead of to Redis (one
 * release and one acquire call saved per hand-over); only when none waits does it go back.
 */
export class LeaseExchange {
  readonly #waiting = new Map<string, Set<(lease: Lease | null) => boolean>>();
  /** Lanes running per origin in this worker: slots that will be handed over or given back soon. */
  readonly #lanes = new Map<string, number>();

  /** True when a batch of this worker runs requests to `origin` (its slots come free here). */
  running(origin: string): boolean {
    return (this.#lanes.get(origin) ?? 0) > 0;
  }

  laneStarted(origin: string): void {
    this.#lanes.set(origin, (this.#lanes.get(origin) ?? 0) + 1);
  }

  laneEnded(origin: string): void {
    const left = (this.#lanes.get(origin) ?? 1) - 1;
    if (left > 0) this.#lanes.set(origin, left);
    else this.#lanes.delete(origin);
  }

  /** Registers a batch waiting for slots of `origin`; `take` answers false once it needs no more. Returns the unregister function. */
  wait(origin: string, take: (lease: Lease | null) => boolean): () => void {
    let set = this.#waiting.get(origin);
    if (!set) {
      set = new Set();
      this.#waiting.set(origin, set);
    }
    set.add(take);
    return () => {
      set.delete(take);
      if (set.size === 0 && this.#waiting.get(origin) === set) this.#waiting.delete(origin);
    };
  }

  /** Hands `lease` to a waiting batch of `origin`: true when one took it. */
  offer(origin: string, lease: Lease | null): boolean {
    const set = this.#waiting.get(origin);
    if (!set) return false;
    for (const take of set) if (take(lease)) return true;
    return false;
  }
}
