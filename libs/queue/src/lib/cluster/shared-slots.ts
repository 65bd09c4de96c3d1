/**
 * A worker's job slots shared by its shards. Each shard's BullMQ worker may take up to the whole
 * concurrency, and a job runs once it holds one of these slots, first come first served: a busy
 * shard can use every slot while the others are idle, and when all are busy each gets slots in
 * the order its jobs arrive (fair without a fixed split, which would leave slots idle). A job
 * waiting here keeps its BullMQ lock (the worker renews it) and gives up on abort (cancel, shutdown).
 */
export class SharedSlots {
  #free: number;
  readonly #waiting: Array<{ grant: () => void }> = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  /** Resolves once a slot is this caller's; rejects with the signal's reason if it aborts first. */
  take(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(entry);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next.grant();
    else this.#free += 1;
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }
}
