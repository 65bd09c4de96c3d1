import { enterCoroutine, leaveCoroutine } from './coroutine-context.ts';
import { Operation } from './operation.ts';
import { Wait } from './wait.ts';
import { emitPlutoWarning, WarningCode, yieldedValuesMessage } from './warnings.ts';

/** A coroutine is a generator: a bare `yield` gives up the turn. */
export type Coroutine = Generator<unknown, unknown, unknown>;

/** What `add` accepts: a generator function, a plain function, or a generator already made. */
export type CoroutineSource = Coroutine | (() => unknown);

/** Called with a coroutine's error when set (Pluto's `errorfunc`). Its return value is ignored. */
export type ErrorFunc = (error: unknown) => void;

/** Called after every pass that resumed something (Pluto's `yieldfunc`); a returned promise is awaited. */
export type YieldFunc = () => void | PromiseLike<void>;

interface Entry {
  readonly co: Coroutine;
  /**
   * The `errorfunc` that was set when a *function* was added: Pluto wraps such a function as
   * `xpcall(f, errorfunc)`, so its errors go there and its return values are swallowed.
   */
  readonly handler: ErrorFunc | null;
  done: boolean;
  /** Being resumed right now (Pluto's `running` / `normal`): skipped by a pass. */
  running: boolean;
  /** Parked until this Wait is ready; not resumed meanwhile. */
  waiting: Wait | null;
  /** Taken out of the list (by `remove`, or dropped after it died); compacted away after the pass. */
  removed: boolean;
  /** Given to the Wait it parks on; made once per entry, not once per park (parking is per request). */
  readonly wake: () => void;
  /** Insertion order, to resume woken coroutines in list order without scanning the list. */
  readonly seq: number;
  /** Listed in `#woken`. */
  woken: boolean;
}

const generatorFunctionPrototype: unknown = Object.getPrototypeOf(function* () {});

function isGeneratorFunction(f: unknown): f is () => Coroutine {
  return typeof f === 'function' && Object.getPrototypeOf(f) === generatorFunctionPrototype;
}

function isCoroutine(value: unknown): value is Coroutine {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Coroutine).next === 'function' &&
    typeof (value as Coroutine)[Symbol.iterator] === 'function'
  );
}

/** A plain function returning a generator or an Operation behaves as if it had `yield*`-ed it. */
function isDelegable(value: unknown): value is Iterable<unknown, unknown> {
  return isCoroutine(value) || value instanceof Operation;
}

/** A plain function as a coroutine: it runs to its end on its first resume, unless it delegates. */
function* callAsCoroutine(f: () => unknown): Coroutine {
  const result = f();
  if (isDelegable(result)) return yield* result;
  return result;
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'object') return 'table';
  return typeof value;
}

/**
 * Pluto's cooperative `scheduler` class (reference §5), with generators as coroutines.
 *
 * - `add` stores the coroutine, resumes it once at once and returns it.
 * - `run()` makes passes over the coroutines in insertion order, resuming each runnable one
 *   once with no arguments, dropping finished ones lazily (one pass after they died), calling
 *   `yieldfunc` after every pass that resumed something, and returns on the first pass that
 *   resumes nothing.
 *
 * Better than the reference: a coroutine waiting for I/O (`yield* http.request(…)`) is not
 * resumed until its result is ready, and when every coroutine waits, `run()` sleeps on the
 * event loop instead of spinning. Every pass takes one macrotask turn (`setImmediate`), so I/O
 * progresses even when `yieldfunc` is synchronous and a loop coroutine is always runnable.
 */
export class Scheduler {
  /** Called after every pass that resumed at least one coroutine. Default: nothing (the scheduler takes a macrotask turn after every pass anyway). */
  yieldfunc: YieldFunc = () => {};

  /**
   * Unset (default): a coroutine's error leaves `run()` (or `add()`) as it was thrown; the
   * other coroutines stay and a later `run()` continues them. Set: it is called with the error
   * and the others go on.
   */
  errorfunc: ErrorFunc | null | undefined = null;

  #list: Entry[] = [];
  /** How many live entries hold each coroutine (the same generator may be added twice, as in Pluto). */
  readonly #count = new Map<Coroutine, number>();
  #garbage = 0;
  /** Entries neither finished nor removed: with `#waiting`, says in O(1) whether a pass would resume anything. */
  #live = 0;
  /** Finished entries the next pass has to drop. */
  #dead = 0;
  #seq = 0;
  /** Entries whose Wait became ready since the last pass started. */
  #woken: Entry[] = [];
  #waiting = 0;
  /** run() sleeps: every coroutine left waits for I/O; the first one woken schedules the next step. */
  #sleeping = false;
  #running: Promise<void> | null = null;
  #settleRun: { resolve(): void; reject(error: unknown): void } | null = null;
  #passes = 0;
  #resumes = 0;

  /** Passes made by `run()` so far (a pass that found every coroutine waiting counts too). */
  get passes(): number {
    return this.#passes;
  }

  /** Resumes so far (those inside `add` included). */
  get resumes(): number {
    return this.#resumes;
  }

  /** Coroutines parked on I/O right now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Coroutines in the list (finished ones not yet dropped included). */
  get size(): number {
    return this.#list.length - this.#garbage;
  }

  /** True while `run()` sleeps because every coroutine waits for I/O. */
  get sleeping(): boolean {
    return this.#sleeping;
  }

  /**
   * Adds a coroutine and resumes it once, now. `source` is a generator function (or a plain
   * function, which runs to its end on that first resume) or a generator already created.
   * Returns the coroutine (the generator). Without `errorfunc`, an error in that first resume
   * is thrown from here; the dead coroutine stays listed until the next pass drops it.
   */
  add(source: CoroutineSource): Coroutine {
    let co: Coroutine;
    let handler: ErrorFunc | null = null;
    if (typeof source === 'function') {
      co = isGeneratorFunction(source) ? source() : callAsCoroutine(source);
      handler = this.errorfunc ?? null;
    } else if (isCoroutine(source)) {
      co = source;
    } else {
      throw new TypeError(`bad argument #1 to 'add' (function or generator expected, got ${typeName(source)})`);
    }
    const entry: Entry = {
      co,
      handler,
      done: false,
      running: false,
      waiting: null,
      removed: false,
      wake: () => this.#unpark(entry),
      seq: this.#seq++,
      woken: false,
    };
    this.#list.push(entry);
    this.#live++;
    this.#count.set(co, (this.#count.get(co) ?? 0) + 1);
    this.#resume(entry);
    // Added from outside while run() sleeps (a timer, an I/O callback): the next pass must see it.
    this.#wakeUp();
    return co;
  }

  /**
   * Calls `f` now and then once per pass until it returns exactly `false` (`undefined`, `null`
   * or `true` keep it going). `f` may be a generator function: it may then `yield*` I/O, and
   * its return value decides.
   */
  addloop(f: () => unknown): Coroutine {
    return this.add(function* addloop(): Coroutine {
      for (;;) {
        let result = f();
        if (isDelegable(result)) result = yield* result;
        if (result === false) return;
        yield;
      }
    });
  }

  /** True while `co` is listed, a finished coroutine that has not been dropped yet included. */
  contains(co: Coroutine): boolean {
    return this.#count.has(co);
  }

  /** Takes `co` out of the list; it is neither closed nor resumed again. */
  remove(co: Coroutine): void {
    for (const entry of this.#list) {
      if (entry.co === co && !entry.removed) {
        this.#drop(entry);
        return;
      }
    }
  }

  /**
   * Runs passes until one resumes nothing while no coroutine waits for I/O. While every
   * coroutine waits, it sleeps until one of them can go on. Calling it while it runs gives the
   * run in progress.
   */
  run(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = new Promise<void>((resolve, reject) => {
      this.#settleRun = { resolve, reject };
    });
    const running = this.#running;
    // The first pass runs now, inside run(), as it always has.
    this.#step();
    return running;
  }

  // The run loop is written as callbacks rather than an `async` loop: it goes round once per
  // response while requests are in flight, and a microtask or a setImmediate per turn costs
  // less than a new promise to await each time it sleeps.

  /** One pass, then yieldfunc, then the next turn: sleep, finish, or another pass. */
  readonly #step = (): void => {
    let pending: void | PromiseLike<void>;
    try {
      if (!this.#pass()) {
        if (this.#waiting === 0) this.#end(false);
        else this.#sleeping = true;
        return;
      }
      pending = this.yieldfunc();
    } catch (error) {
      this.#end(true, error);
      return;
    }
    if (pending && typeof pending.then === 'function') pending.then(this.#afterYield, (error: unknown) => this.#end(true, error));
    else this.#afterYield();
  };

  readonly #afterYield = (): void => {
    if (this.#waiting > 0 && !this.#hasRunnable()) {
      // Everyone left is waiting for I/O: the next pass would resume nothing, so sleep now
      // instead of taking a turn and making an empty pass (the wait lets I/O progress too).
      this.#sleeping = true;
      return;
    }
    // A macrotask turn between passes lets I/O and timers in even when a coroutine is always runnable.
    setImmediate(this.#step);
  };

  /** The run is over: normally (a pass that resumed nothing, nothing waiting), or `failed` with `error`. */
  #end(failed: boolean, error?: unknown): void {
    const settle = this.#settleRun!;
    this.#running = null;
    this.#settleRun = null;
    this.#sleeping = false;
    if (failed) settle.reject(error);
    else settle.resolve();
  }

  /** A live coroutine that the next pass would resume (asked between passes, when none is running). */
  #hasRunnable(): boolean {
    return this.#live > this.#waiting;
  }

  /** One pass over the list; true if it resumed something. Throws a coroutine's error when `errorfunc` is unset. */
  #pass(): boolean {
    this.#passes++;
    const list = this.#list;
    const woken = this.#woken;
    this.#woken = [];
    for (const entry of woken) entry.woken = false;
    // The usual pass while requests are in flight: every coroutine that can run was just woken
    // and nothing needs dropping. Resume those in list order instead of walking past every
    // waiting coroutine (the walk would cost O(coroutines) per response).
    const onlyWoken = this.#dead === 0 && this.#live - this.#waiting === woken.length;
    let resumed = false;
    try {
      let start = 0;
      if (onlyWoken) {
        start = list.length;
        if (woken.length > 1) woken.sort((a, b) => a.seq - b.seq);
        for (const entry of woken) {
          if (entry.removed || entry.running || entry.waiting !== null || entry.done) continue;
          resumed = true;
          this.#resume(entry);
        }
      }
      // `list.length` is read every time: a coroutine added during the pass is reached in it.
      for (let i = start; i < list.length; i++) {
        const entry = list[i]!;
        if (entry.removed || entry.running || entry.waiting !== null) continue;
        if (entry.done) {
          this.#drop(entry);
          continue;
        }
        resumed = true;
        this.#resume(entry);
      }
    } finally {
      if (this.#garbage > 0 && list === this.#list) {
        this.#list = list.filter((e) => !e.removed);
        this.#garbage = 0;
      }
    }
    return resumed;
  }

  #resume(entry: Entry): void {
    this.#resumes++;
    entry.running = true;
    enterCoroutine();
    let result: IteratorResult<unknown, unknown>;
    try {
      result = entry.co.next();
    } catch (error) {
      entry.done = true;
      this.#live--;
      this.#dead++;
      entry.running = false;
      leaveCoroutine();
      this.#failed(entry, error);
      return;
    }
    entry.running = false;
    leaveCoroutine();
    const value = result.value;
    if (result.done) {
      entry.done = true;
      this.#live--;
      this.#dead++;
      // A function added while errorfunc was set runs inside Pluto's xpcall wrapper, which
      // returns nothing: its return values never reach the scheduler.
      if (entry.handler === null) this.#checkValues(value);
    } else if (value instanceof Wait) {
      if (!value.ready) this.#park(entry, value);
    } else {
      this.#checkValues(value);
    }
  }

  /**
   * Reference §5.2: without errorfunc any value warns (Lua's `yield(nil)` too, which is `null`
   * here); with errorfunc only a first value that is not nil. JavaScript cannot tell `yield`
   * from `yield undefined`, so `undefined` is no value.
   */
  #checkValues(value: unknown): void {
    if (value === undefined) return;
    if (value === null && this.errorfunc) return;
    emitPlutoWarning(yieldedValuesMessage, WarningCode.YIELDED_VALUES);
  }

  #failed(entry: Entry, error: unknown): void {
    const handler = entry.handler ?? this.errorfunc;
    if (!handler) throw error;
    handler(error);
  }

  #park(entry: Entry, wait: Wait): void {
    entry.waiting = wait;
    this.#waiting++;
    wait.onReady(entry.wake);
  }

  #unpark(entry: Entry): void {
    // Removed meanwhile (waiting cleared), or a Wait it no longer parks on.
    if (entry.waiting === null || !entry.waiting.ready) return;
    entry.waiting = null;
    this.#waiting--;
    if (!entry.woken) {
      entry.woken = true;
      this.#woken.push(entry);
    }
    this.#wakeUp();
  }

  #wakeUp(): void {
    if (!this.#sleeping) return;
    this.#sleeping = false;
    queueMicrotask(this.#step);
  }

  #drop(entry: Entry): void {
    entry.removed = true;
    this.#garbage++;
    if (entry.done) this.#dead--;
    else this.#live--;
    if (entry.waiting !== null) {
      entry.waiting = null;
      this.#waiting--;
    }
    const n = this.#count.get(entry.co)!;
    if (n === 1) this.#count.delete(entry.co);
    else this.#count.set(entry.co, n - 1);
    // Nothing is waited on any more: a sleeping run() has no reason to keep sleeping.
    if (this.#waiting === 0) this.#wakeUp();
  }
}
