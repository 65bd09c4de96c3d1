import { Wait } from './wait.ts';

const State = { Pending: 0, Fulfilled: 1, Rejected: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * An I/O operation of the facade, started when it is created. Both forms give the same
 * result:
 * - inside a coroutine, `const r = yield* op` suspends only that coroutine (it yields a
 *   {@link Wait} until the result is ready);
 * - outside, `const r = await op` (it is a thenable).
 */
export class Operation<T> implements PromiseLike<T>, Iterable<Wait, T> {
  readonly #promise: Promise<T>;
  readonly #wait = new Wait();
  #state: State = State.Pending;
  #value: T | undefined;
  #error: unknown;

  constructor(promise: Promise<T>) {
    this.#promise = promise;
    // Also marks a rejection as handled: a coroutine gets it thrown at its `yield*`.
    promise.then(
      (value) => {
        this.#value = value;
        this.#state = State.Fulfilled;
        this.#wait.settle();
      },
      (error: unknown) => {
        this.#error = error;
        this.#state = State.Rejected;
        this.#wait.settle();
      },
    );
  }

  /** True once the result (or the error) is there. */
  get done(): boolean {
    return this.#state !== State.Pending;
  }

  *[Symbol.iterator](): Generator<Wait, T, unknown> {
    while (this.#state === State.Pending) yield this.#wait;
    if (this.#state === State.Rejected) throw this.#error;
    return this.#value as T;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onFulfilled, onRejected);
  }
}
