/**
 * The bookkeeping of `closeConnections()`: each call opens a generation; a request accepted
 * before the call belongs to an older one, and the call resolves when every request of the
 * older generations has finished. While a call is pending, no socket is made or kept reusable.
 * Calls may overlap; each waits only for what was accepted before it.
 */
export class DrainTracker {
  #generation = 0;
  #waiters: Array<{ generation: number; remaining: number; resolve: () => void }> = [];

  /** The generation a request accepted now belongs to. */
  get generation(): number {
    return this.#generation;
  }

  /** A closeConnections() call is pending: sockets must not be reused. */
  get draining(): boolean {
    return this.#waiters.length > 0;
  }

  /** A call, with `remaining` requests accepted before it still running or queued. */
  begin(remaining: number): Promise<void> {
    const generation = ++this.#generation;
    if (remaining <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ generation, remaining, resolve }));
  }

  /** A request of `generation` has finished (with a response or an error). */
  finished(generation: number): void {
    if (this.#waiters.length === 0 || generation >= this.#generation) return;
    for (const w of this.#waiters) if (generation < w.generation) w.remaining--;
    const done = this.#waiters.filter((w) => w.remaining <= 0);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
    for (const w of done) w.resolve();
  }

  /** Everything was aborted: release every pending call. */
  releaseAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }
}
