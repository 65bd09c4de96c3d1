/**
 * AbortControllers reused across job attempts. Every attempt hands its handler a signal (a cancel
 * or a shutdown must abort the request in flight), but on Node 20 making one costs ~5 µs of CPU
 * (the AbortSignal is an EventTarget) — a measurable share of a small job. A controller whose
 * signal was never aborted and has no `abort` listener left is as good as new, so it goes back to
 * the pool; an aborted one, or one still listened to, is dropped. Origin keeps one `abort`
 * listener per signal for all the requests made under it, harmless once none runs; any other
 * listener left means someone still holds the signal. Handlers must not use `job.signal` after
 * they settle.
 */
import { signalInUse } from '@courier/origin';

export class AbortPool {
  readonly #free: AbortController[] = [];
  readonly #max: number;

  /** `max`: controllers kept at most (the worker's concurrency is enough). */
  constructor(max: number) {
    this.#max = max;
  }

  take(): AbortController {
    return this.#free.pop() ?? new AbortController();
  }

  /** Gives a controller back after its attempt ended; kept only while it is as good as new. */
  give(controller: AbortController): void {
    const signal = controller.signal;
    if (signal.aborted || this.#free.length >= this.#max) return;
    const use = signalInUse(signal);
    if (use.requests > 0 || use.otherListeners > 0) return;
    this.#free.push(controller);
  }

  /** Controllers waiting for reuse. */
  get size(): number {
    return this.#free.length;
  }
}
