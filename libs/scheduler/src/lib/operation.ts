import { Wait } from './wait.ts';

const State = { Pending: 0, Fulfilled: 1, Rejected: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * An I/O operation of the facade, started when it is created. Both forms give the same
 * result:
 * - inside a coroutine, `const r = yield* op` suspends only that coroutine (it yields itself,
 *   a {@link Wait}, until the result is ready);
 * - outside, `const r = await op` (it is a thenable).
 *
 * It is on the hot path of every facade request, so it is its own Wait and its own iterator
 * (no generator object per `yield*`), and it makes a promise only for a caller that `await`s it.
 */
export class Operation<T> extends Wait implements PromiseLike<T>, Iterable<Wait, T>, Iterator<Wait, T> {
  #state: State = State.Pending;
  /** The result once fulfilled, the error once rejected. */
  #outcome: unknown;
  /** Made on the first `then`: a coroutine that `yield*`s the operation never needs one. */
  #promise: Promise<T> | null = null;
  #settlePromise: { resolve(value: T): void; reject(error: unknown): void } | null = null;

  /**
   * From a promise (its rejection becomes the operation's error, never an unhandled rejection),
   * or with no argument for a producer that settles it itself with `resolve` / `reject`.
   */
  constructor(source?: PromiseLike<T>) {
    super();
    source?.then(
      (value) => this.resolve(value),
      (error: unknown) => this.reject(error),
    );
  }

  /** True once the result (or the error) is there. */
  get done(): boolean {
    return this.#state !== State.Pending;
  }

  /** @internal Settles with a result (the first settlement wins). */
  resolve(value: T): void {
    this.#finish(State.Fulfilled, value);
  }

  /** @internal Settles with an error (the first settlement wins). */
  reject(error: unknown): void {
    this.#finish(State.Rejected, error);
  }

  #finish(state: typeof State.Fulfilled | typeof State.Rejected, outcome: unknown): void {
    if (this.#state !== State.Pending) return;
    this.#state = state;
    this.#outcome = outcome;
    if (state === State.Fulfilled) this.#settlePromise?.resolve(outcome as T);
    else this.#settlePromise?.reject(outcome);
    this.settle();
  }

  [Symbol.iterator](): Iterator<Wait, T> {
    // Stateless apart from the operation's own state: several coroutines may `yield*` it.
    return this;
  }

  /** The iterator step of `yield*`: the operation itself while pending, then the result (or the error, thrown). */
  next(): IteratorResult<Wait, T> {
    if (this.#state === State.Pending) return { done: false, value: this };
    if (this.#state === State.Rejected) throw this.#outcome;
    return { done: true, value: this.#outcome as T };
  }

  /** `co.throw(e)` on a coroutine suspended in `yield* op` throws `e` at its `yield*`, as with a generator. */
  throw(error: unknown): IteratorResult<Wait, T> {
    throw error;
  }

  /** `co.return(v)` on a coroutine suspended in `yield* op` finishes it. */
  return(value?: T): IteratorResult<Wait, T> {
    return { done: true, value: value as T };
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.#makePromise();
    return this.#promise.then(onFulfilled, onRejected);
  }

  #makePromise(): Promise<T> {
    if (this.#state === State.Fulfilled) return Promise.resolve(this.#outcome as T);
    if (this.#state === State.Rejected) return Promise.reject(this.#outcome);
    return new Promise<T>((resolve, reject) => {
      this.#settlePromise = { resolve, reject };
    });
  }
}
