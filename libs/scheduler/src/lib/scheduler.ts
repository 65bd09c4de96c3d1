import { enterCoroutine, leaveCoroutine } from './coroutine-context.ts';
import { LuaTable } from './lua-table.ts';
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
  /** Out of `coros` (by `remove`, or its slot set to nil after it died). */
  removed: boolean;
  /** Given to the Wait it parks on; made once per entry, not once per park (parking is per request). */
  readonly wake: () => void;
  /** Its key in `coros`, kept up to date, to resume woken coroutines in key order without a walk. */
  key: number;
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
 * - `coros` is a Lua table, modelled by {@link LuaTable} (Lua 5.5, which Pluto 0.13 is built on),
 *   and every operation is the Lua source's own: `add` is `table.insert(coros, co)` (at the
 *   border `#coros + 1`, which can be a hole at the front), `remove` is `table.remove(coros, i)`
 *   (shifting later entries down, under a pass that goes on from the key it was at), a pass is
 *   `for i, co in coros` (`next` order) and a dead coroutine's slot is set to nil (a hole, not a
 *   shift). So the corners of issue 15 — a coroutine added into a hole runs before the one that
 *   added it; the entry after a remover is skipped for that pass — come out as in Pluto.
 * - `add` stores the coroutine, resumes it once at once and returns it.
 * - `run()` makes passes over the coroutines in `coros` order, resuming each runnable one
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

  /** Pluto's `self.coros`. */
  readonly #coros = new LuaTable<Entry>();
  /** Entries in `#coros`. */
  #size = 0;
  /** How many entries in `#coros` hold each coroutine (the same generator may be added twice, as in Pluto). */
  readonly #count = new Map<Coroutine, number>();
  /** Entries neither finished nor removed: with `#waiting`, says in O(1) whether a pass would resume anything. */
  #live = 0;
  /** Finished entries the next pass has to drop. */
  #dead = 0;
  /** Entries whose Wait became ready since the last pass started. */
  #woken: Entry[] = [];
  /** Counts changes to `coros` (insert, remove, a slot set to nil), so a pass can tell one happened. */
  #changes = 0;
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
    return this.#size;
  }

  /** `s.coros` as a script sees it: its keys in `next` order, each with its coroutine. */
  get coros(): Map<number, Coroutine> {
    const view = new Map<number, Coroutine>();
    for (let k = this.#coros.next(0); k !== 0; k = this.#coros.next(k)) view.set(k, this.#coros.get(k)!.co);
    return view;
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
      key: 0,
      woken: false,
    };
    // table.insert(self.coros, t)
    entry.key = this.#coros.length() + 1;
    this.#coros.set(entry.key, entry);
    this.#changes++;
    this.#size++;
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

  /**
   * Takes `co` out of the list; it is neither closed nor resumed again. As Pluto:
   * `table.remove(self.coros, i)` at its first key in `next` order, which shifts the entries
   * after it down (and raises Lua's `position out of bounds` when `#coros` is below `i`).
   */
  remove(co: Coroutine): void {
    const coros = this.#coros;
    for (let k = coros.next(0); k !== 0; k = coros.next(k)) {
      if (coros.get(k)!.co !== co) continue;
      // table.remove(coros, k), as Lua 5.5's tremove
      const size = coros.length();
      if (k !== size && k - 1 > size) throw new Error("bad argument #2 to 'table.remove' (position out of bounds)");
      const gone = coros.get(k);
      let pos = k;
      for (; pos < size; pos++) {
        const moved = coros.get(pos + 1);
        coros.set(pos, moved);
        if (moved) moved.key = pos;
      }
      coros.set(pos, undefined);
      this.#changes++;
      if (gone) this.#drop(gone);
      return;
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

  /** One pass over `coros`; true if it resumed something. Throws a coroutine's error when `errorfunc` is unset. */
  #pass(): boolean {
    this.#passes++;
    const woken = this.#woken;
    this.#woken = [];
    for (const entry of woken) entry.woken = false;
    const coros = this.#coros;
    let resumed = false;
    // The usual pass while requests are in flight: every coroutine that can run was just woken,
    // nothing needs its slot cleared, and every key is in the array part (so `next` order is
    // key order). Resume those in key order instead of walking past every waiting coroutine
    // (the walk would cost O(coroutines) per response). If a resume changes `coros` (an add, a
    // remove), the pass goes on as Pluto's loop would: `next` from the key it was at.
    if (this.#dead === 0 && this.#live - this.#waiting === woken.length && coros.arrayOnly) {
      if (woken.length > 1) woken.sort((a, b) => a.key - b.key);
      for (const entry of woken) {
        if (entry.removed || entry.running || entry.waiting !== null || entry.done) continue;
        resumed = true;
        const key = entry.key;
        const changes = this.#changes;
        this.#resume(entry);
        if (this.#changes !== changes) return this.#walk(key) || resumed;
      }
      return resumed;
    }
    return this.#walk(0);
  }

  /** Pluto's `for i, coro in self.coros do … end` from after `key` (0: the whole pass). */
  #walk(key: number): boolean {
    const coros = this.#coros;
    let resumed = false;
    for (let k = coros.next(key); k !== 0; k = coros.next(k)) {
      const entry = coros.get(k)!;
      if (entry.running || entry.waiting !== null) continue;
      if (entry.done) {
        // self.coros[i] = nil: a hole, not a shift
        coros.set(k, undefined);
        this.#changes++;
        this.#drop(entry);
        continue;
      }
      resumed = true;
      this.#resume(entry);
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
      this.#finished(entry);
      entry.running = false;
      leaveCoroutine();
      this.#failed(entry, error);
      return;
    }
    entry.running = false;
    leaveCoroutine();
    const value = result.value;
    if (result.done) {
      this.#finished(entry);
      // A function added while errorfunc was set runs inside Pluto's xpcall wrapper, which
      // returns nothing: its return values never reach the scheduler.
      if (entry.handler === null) this.#checkValues(value);
    } else if (value instanceof Wait) {
      // A coroutine that removed itself is no longer the scheduler's to wake.
      if (!value.ready && !entry.removed) this.#park(entry, value);
    } else {
      this.#checkValues(value);
    }
  }

  /** The coroutine ended; it counts as dead (to be dropped) only while it is still in `coros`. */
  #finished(entry: Entry): void {
    entry.done = true;
    if (entry.removed) return;
    this.#live--;
    this.#dead++;
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

  /** `entry` has left `coros`. */
  #drop(entry: Entry): void {
    entry.removed = true;
    this.#size--;
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
