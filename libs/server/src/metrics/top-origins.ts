/**
 * Which origins get their own Prometheus series. A fleet may talk to 100,000 origins; a series
 * per origin would swamp Prometheus (DESIGN: "per-origin series only for the top N"). This keeps
 * approximate request counts with the Space-Saving algorithm (Metwally et al., 2005) in a map
 * of bounded size, so memory stays flat however many origins pass through.
 */
export class TopOrigins {
  readonly #counts = new Map<string, number>();
  readonly #capacity: number;
  #top = new Set<string>();

  /** @param size origins that get their own series; 0 sends everything to "other". */
  constructor(readonly size: number) {
    this.#capacity = Math.max(size * 4, 64);
  }

  /** Counts one request; returns the label to use for it: the origin or `other`. */
  observe(origin: string): string {
    const count = this.#counts.get(origin);
    if (count !== undefined) {
      this.#counts.set(origin, count + 1);
    } else if (this.#counts.size < this.#capacity) {
      this.#counts.set(origin, 1);
    } else {
      // Space-Saving: the newcomer takes the place (and the count, plus one) of the rarest entry.
      let minOrigin = '';
      let min = Infinity;
      for (const [o, c] of this.#counts) {
        if (c < min) {
          min = c;
          minOrigin = o;
        }
      }
      this.#counts.delete(minOrigin);
      this.#counts.set(origin, min + 1);
    }
    // Until N origins are known each new one is top by definition; afterwards `rank()` decides.
    if (this.#top.size < this.size) this.#top.add(origin);
    return this.#top.has(origin) ? origin : TopOrigins.other;
  }

  /** Recomputes the top N; returns the origins that dropped out (their series should go). */
  rank(): string[] {
    const next = new Set(
      [...this.#counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, this.size)
        .map(([origin]) => origin),
    );
    const dropped = [...this.#top].filter((o) => !next.has(o));
    this.#top = next;
    return dropped;
  }

  /** Origins whose counts are kept (at most max(4 × size, 64)). */
  get tracked(): number {
    return this.#counts.size;
  }

  has(origin: string): boolean {
    return this.#top.has(origin);
  }

  static readonly other = 'other';
}
