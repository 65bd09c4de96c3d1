/**
 * What a coroutine yields while it waits for I/O (`yield* http.request(…)` yields one of
 * these until the result is there). Pluto's coroutine yields nothing and is resumed on every
 * pass to re-check; here the scheduler sees the Wait, parks the coroutine and resumes it only
 * once the Wait is ready, so a run() whose coroutines all wait spends no CPU.
 *
 * Any other driver (a hand-written `next()` loop) still works Pluto's way: it gets the Wait
 * back from every `next()` until the result is ready.
 */
export class Wait {
  #ready = false;
  /** One listener (the usual case: the scheduler parking one coroutine) needs no array. */
  #listener: (() => void) | null = null;
  #more: Array<() => void> | null = null;

  get ready(): boolean {
    return this.#ready;
  }

  /** Calls `listener` once the Wait is ready (at once if it already is). */
  onReady(listener: () => void): void {
    if (this.#ready) {
      listener();
      return;
    }
    if (this.#listener === null) this.#listener = listener;
    else (this.#more ??= []).push(listener);
  }

  /** @internal Marks the Wait ready and tells whoever listens. */
  settle(): void {
    if (this.#ready) return;
    this.#ready = true;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = null;
    this.#more = null;
    first?.();
    if (more) for (const listener of more) listener();
  }
}
