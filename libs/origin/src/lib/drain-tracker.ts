/**
 * The waiting side of `closeConnections()`. Each call opens a generation (counted by the origin's
 * chart: `connections.close`); a request accepted before the call belongs to an older one, and
 * the call resolves when every request of the older generations has finished. Calls may overlap;
 * each waits only for what was accepted before it. `onResolved(n)` reports calls that resolved,
 * so the chart knows when no call is pending any more (`connections.drained`).
 */
export class DrainTracker {
  #waiters: Array<{ generation: number; remaining: number; resolve: () => void }> = [];
  readonly #onResolved: (count: number) => void;

  constructor(onResolved: (count: number) => void = () => {}) {
    this.#onResolved = onResolved;
  }

  /** Call number `generation`, with `remaining` requests accepted before it still running or queued. */
  begin(generation: number, remaining: number): Promise<void> {
    if (remaining <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ generation, remaining, resolve }));
  }

  /** A request accepted in `generation` has finished (with a response or an error). */
  finished(generation: number): void {
    if (this.#waiters.length === 0) return;
    let resolved = 0;
    for (const w of this.#waiters) if (generation < w.generation && --w.remaining === 0) resolved++;
    if (resolved === 0) return;
    const done = this.#waiters.filter((w) => w.remaining <= 0);
    this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
    for (const w of done) w.resolve();
    this.#onResolved(done.length);
  }

  /** Everything was aborted: release every pending call. */
  releaseAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
    if (waiters.length > 0) this.#onResolved(waiters.length);
  }
}
