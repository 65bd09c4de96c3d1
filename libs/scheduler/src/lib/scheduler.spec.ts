// The scheduler's own rules (reference §5), without any network: pass order, lazy removal,
// yieldfunc counts, addloop, errorfunc, contains/remove, the warnings of §5.2, and waiting on
// I/O without being resumed.
import { describe, expect, it, onTestFinished } from 'vitest';
import { isInsideCoroutine } from './coroutine-context.ts';
import { Operation } from './operation.ts';
import { Scheduler, type Coroutine } from './scheduler.ts';
import { WarningCode } from './warnings.ts';

/** Collects the scheduler's warnings (emitted on the next tick, so read them after `flush()`). */
function captureWarnings(): { codes: string[]; flush: () => Promise<void> } {
  const codes: string[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code === WarningCode.YIELDED_VALUES) codes.push(w.code);
  };
  process.on('warning', listener);
  onTestFinished(() => {
    process.off('warning', listener);
  });
  return { codes, flush: () => new Promise((resolve) => setImmediate(resolve)) };
}

/** A promise the test settles by hand, wrapped as an Operation a coroutine can `yield*`. */
function manualOperation<T>(): { op: Operation<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const op = new Operation(new Promise<T>((r) => (resolve = r)));
  return { op, resolve };
}

describe('passes', () => {
  it('resumes round-robin in insertion order: 1:1 2:1 3:1 1:2 …', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    for (const id of [1, 2, 3]) {
      s.add(function* () {
        for (let i = 1; i <= 3; i++) {
          log.push(`${id}:${i}`);
          yield;
        }
      });
    }
    expect(log).toEqual(['1:1', '2:1', '3:1']); // add resumes at once
    await s.run();
    expect(log.join(' ')).toBe('1:1 2:1 3:1 1:2 2:2 3:2 1:3 2:3 3:3');
  });

  it('resumes with no arguments', async () => {
    const s = new Scheduler();
    const got: unknown[] = [];
    s.add(function* () {
      got.push(yield);
      got.push(yield);
    });
    await s.run();
    expect(got).toEqual([undefined, undefined]);
  });

  it('reaches a coroutine added during a pass in the same pass: … B3 D1 C3 D2 B4 C4 D3', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const d = function* () {
      for (let i = 1; i <= 3; i++) {
        log.push(`D${i}`);
        yield;
      }
    };
    s.add(function* () {
      for (let i = 1; i <= 4; i++) {
        log.push(`B${i}`);
        if (i === 3) s.add(d);
        yield;
      }
    });
    s.add(function* () {
      for (let i = 1; i <= 4; i++) {
        log.push(`C${i}`);
        yield;
      }
    });
    await s.run();
    expect(log.join(' ')).toBe('B1 C1 B2 C2 B3 D1 C3 D2 B4 C4 D3');
  });

  it('calls yieldfunc after every pass that resumed something, never after the last, empty one', async () => {
    const twice = new Scheduler();
    let calls = 0;
    twice.yieldfunc = () => {
      calls++;
    };
    twice.add(function* () {
      yield;
      yield;
    });
    await twice.run();
    expect(calls).toBe(2);

    const none = new Scheduler();
    let noneCalls = 0;
    none.yieldfunc = () => {
      noneCalls++;
    };
    none.add(function* () {}); // finishes inside add
    await none.run();
    expect(noneCalls).toBe(0);
  });

  it('awaits a yieldfunc that returns a promise before the next pass', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.yieldfunc = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push('yieldfunc');
    };
    s.add(function* () {
      log.push('a1');
      yield;
      log.push('a2');
      yield;
      log.push('a3');
    });
    await s.run();
    expect(log).toEqual(['a1', 'a2', 'yieldfunc', 'a3', 'yieldfunc']);
  });

  it('drops a finished coroutine lazily, on the pass after it died', async () => {
    const s = new Scheduler();
    const seen: boolean[] = [];
    const t = s.add(function* () {
      yield;
    });
    s.add(function* () {
      for (let i = 0; i < 3; i++) {
        seen.push(s.contains(t));
        yield;
      }
    });
    await s.run();
    // pass 1 finishes t (it is still listed), pass 2 drops it before the second coroutine looks.
    expect(seen).toEqual([true, true, false]);
    expect(s.size).toBe(0);
  });

  it('can run again after it returned, continuing with newly added coroutines', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.add(function* () {
      yield;
      log.push('first');
    });
    await s.run();
    s.add(function* () {
      yield;
      log.push('second');
    });
    await s.run();
    expect(log).toEqual(['first', 'second']);
  });

  it('gives the run in progress to a second run() call', async () => {
    const s = new Scheduler();
    s.add(function* () {
      yield;
    });
    const a = s.run();
    const b = s.run();
    expect(b).toBe(a);
    await a;
  });

  it('is "inside a coroutine" only while resuming one', async () => {
    const s = new Scheduler();
    const inside: boolean[] = [];
    s.add(function* () {
      inside.push(isInsideCoroutine());
      yield;
      inside.push(isInsideCoroutine());
    });
    inside.push(isInsideCoroutine());
    await s.run();
    expect(inside).toEqual([true, false, true]);
  });

  it('accepts a plain function (run to its end on the first resume) and a generator object', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.add(() => {
      log.push('plain');
    });
    const gen = (function* () {
      log.push('gen1');
      yield;
      log.push('gen2');
    })();
    expect(s.add(gen)).toBe(gen);
    await s.run();
    expect(log).toEqual(['plain', 'gen1', 'gen2']);
    expect(() => s.add(42 as unknown as Coroutine)).toThrow(/bad argument #1 to 'add'/);
  });
});

describe('addloop', () => {
  it('calls f once at addloop and once per pass, and stops on its third call when that returns false', async () => {
    const s = new Scheduler();
    let calls = 0;
    s.addloop(() => {
      calls++;
      return calls === 3 ? false : undefined;
    });
    expect(calls).toBe(1);
    await s.run();
    expect(calls).toBe(3);
  });

  it('keeps going on undefined, null, true, 0 and "" — only exactly false stops it', async () => {
    const s = new Scheduler();
    const results: unknown[] = [undefined, null, true, 0, '', 'false', false];
    let calls = 0;
    s.addloop(() => results[calls++]);
    await s.run();
    expect(calls).toBe(results.length);
  });

  it('takes a generator function, which may wait inside; its return value decides', async () => {
    const s = new Scheduler();
    const { op, resolve } = manualOperation<string>();
    const got: string[] = [];
    let calls = 0;
    s.addloop(function* () {
      calls++;
      if (calls === 1) got.push(yield* op);
      return calls === 2 ? false : undefined;
    });
    resolve('ready');
    await s.run();
    expect(got).toEqual(['ready']);
    expect(calls).toBe(2);
  });
});

describe('errors', () => {
  it('without errorfunc: the error leaves run(), the others stay, and a later run() continues them', async () => {
    const s = new Scheduler();
    const boom = new Error('boom');
    const log: string[] = [];
    const bad = s.add(function* () {
      yield;
      throw boom;
    });
    const good = s.add(function* () {
      for (let i = 1; i <= 3; i++) {
        log.push(`good${i}`);
        yield;
      }
    });
    await expect(s.run()).rejects.toBe(boom); // the original value, nothing added
    expect(s.contains(good)).toBe(true);
    expect(s.contains(bad)).toBe(true); // dead, dropped on the next pass
    expect(log).toEqual(['good1']); // the pass was abandoned before `good` got its turn
    await s.run();
    expect(log).toEqual(['good1', 'good2', 'good3']);
    expect(s.contains(bad)).toBe(false);
  });

  it('without errorfunc: an error in the first resume leaves add(), and the coroutine stays listed until the next pass', async () => {
    const s = new Scheduler();
    const boom = new Error('at once');
    let dead: Coroutine | undefined;
    // eslint-disable-next-line require-yield -- it fails on its first resume, before any yield
    const gen = (function* (): Coroutine {
      throw boom;
    })();
    expect(() => {
      dead = s.add(gen);
    }).toThrow(boom);
    expect(dead).toBeUndefined();
    expect(s.contains(gen)).toBe(true);
    await s.run();
    expect(s.contains(gen)).toBe(false);
  });

  it('with errorfunc: it gets the error (of a function or of a generator object) and the others go on', async () => {
    const s = new Scheduler();
    const errors: unknown[] = [];
    s.errorfunc = (e) => errors.push(e);
    const log: string[] = [];
    const e1 = new Error('from a function');
    const e2 = new Error('from a generator object');
    s.add(function* () {
      yield;
      throw e1;
    });
    s.add(
      (function* () {
        yield;
        yield;
        throw e2;
      })(),
    );
    s.add(function* () {
      for (let i = 1; i <= 4; i++) {
        log.push(`other${i}`);
        yield;
      }
    });
    await s.run();
    expect(errors).toEqual([e1, e2]);
    expect(log).toEqual(['other1', 'other2', 'other3', 'other4']);
  });

  it('with errorfunc: an error during add() goes to errorfunc too', () => {
    const s = new Scheduler();
    const errors: unknown[] = [];
    s.errorfunc = (e) => errors.push(e);
    const boom = new Error('first slice');
    expect(() =>
      s.add(() => {
        throw boom;
      }),
    ).not.toThrow();
    expect(errors).toEqual([boom]);
  });

  it('README deviation: an errorfunc that throws makes its error leave run() (Lua would call the handler again)', async () => {
    const s = new Scheduler();
    const handlerError = new Error('from errorfunc');
    s.errorfunc = () => {
      throw handlerError;
    };
    s.add(function* () {
      yield;
      throw new Error('coroutine');
    });
    await expect(s.run()).rejects.toBe(handlerError);
  });
});

describe('contains / remove (Pluto testes/pluto/basic.pluto)', () => {
  it('contains: a loop waiting for another coroutine to be dropped ends, and so does run()', async () => {
    const s = new Scheduler();
    const t = s.add(function* () {});
    let loops = 0;
    s.add(function* () {
      while (s.contains(t)) {
        loops++;
        yield;
      }
    });
    await s.run();
    expect(s.contains(t)).toBe(false);
    expect(loops).toBeGreaterThan(0);
  });

  it('remove: takes the coroutine out without closing or resuming it', async () => {
    const s = new Scheduler();
    let resumedAfterRemove = false;
    const t = s.add(function* () {
      yield;
      resumedAfterRemove = true;
    });
    let ok = false;
    s.add(function* () {
      expect(s.contains(t)).toBe(true);
      s.remove(t);
      expect(s.contains(t)).toBe(false);
      yield;
      ok = true;
    });
    await s.run();
    expect(ok).toBe(true);
    expect(resumedAfterRemove).toBe(false);
    // still suspended: it can be resumed by hand
    expect(t.next().done).toBe(true);
    expect(resumedAfterRemove).toBe(true);
  });
});

describe('warnings (reference §5.2)', () => {
  it('without errorfunc: a yielded value, yield null and a returned value warn; a bare yield does not', async () => {
    const w = captureWarnings();
    const s = new Scheduler();
    s.add(function* () {
      yield;
      yield undefined;
    });
    await s.run();
    await w.flush();
    expect(w.codes).toEqual([]);

    s.add(function* () {
      yield 1;
    });
    s.add(function* () {
      yield null;
    });
    s.add(() => 5);
    await s.run();
    await w.flush();
    expect(w.codes).toHaveLength(3);
  });

  it('with errorfunc: only a first value that is not nil warns, and a function\'s return value is swallowed', async () => {
    const w = captureWarnings();
    const s = new Scheduler();
    s.errorfunc = () => {};
    s.add(function* () {
      yield null;
      return 5; // a function added while errorfunc is set: swallowed
    });
    await s.run();
    await w.flush();
    expect(w.codes).toEqual([]);

    s.add(function* () {
      yield 'x';
    });
    s.add(
      // eslint-disable-next-line require-yield -- it returns on its first resume
      (function* () {
        return 7; // a generator object: its return value reaches the scheduler
      })(),
    );
    await s.run();
    await w.flush();
    expect(w.codes).toHaveLength(2);
  });
});

describe('waiting on I/O', () => {
  it('does not resume a waiting coroutine, sleeps while every coroutine waits, and wakes when one can go on', async () => {
    const s = new Scheduler();
    const { op, resolve } = manualOperation<string>();
    const got: string[] = [];
    s.add(function* () {
      got.push(yield* op);
    });
    const done = s.run();
    expect(s.waiting).toBe(1);
    expect(s.sleeping).toBe(true);
    const passes = s.passes;
    const resumes = s.resumes;
    // Event-loop turns and a timer go by: no pass, no resume.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    expect(s.passes).toBe(passes);
    expect(s.resumes).toBe(resumes);
    resolve('result');
    await done;
    expect(got).toEqual(['result']);
    expect(s.resumes).toBe(resumes + 1);
  });

  it('keeps run() going while a coroutine waits, alongside runnable ones', async () => {
    const s = new Scheduler();
    const { op, resolve } = manualOperation<number>();
    const log: string[] = [];
    s.add(function* () {
      log.push(`waited ${yield* op}`);
    });
    s.add(function* () {
      yield;
      log.push('busy done');
      resolve(1);
    });
    await s.run();
    expect(log).toEqual(['busy done', 'waited 1']);
  });

  it('resumes coroutines woken in the same turn in list order, whatever order their results came in', async () => {
    const s = new Scheduler();
    const ops = [manualOperation<number>(), manualOperation<number>(), manualOperation<number>()];
    const log: string[] = [];
    ops.forEach(({ op }, i) => {
      s.add(function* () {
        log.push(`${i}:${yield* op}`);
        yield;
        log.push(`${i} again`);
      });
    });
    const done = s.run();
    expect(s.waiting).toBe(3);
    for (const { resolve } of [...ops].reverse()) resolve(7);
    await done;
    expect(log).toEqual(['0:7', '1:7', '2:7', '0 again', '1 again', '2 again']);
    expect(s.size).toBe(0);
  });

  it('lets run() end when a waiting coroutine is removed', async () => {
    const s = new Scheduler();
    const { op } = manualOperation<number>();
    const t = s.add(function* () {
      yield* op;
    });
    const done = s.run();
    expect(s.sleeping).toBe(true);
    s.remove(t);
    await done;
    expect(s.waiting).toBe(0);
  });

  it('resumes a coroutine added from outside while run() sleeps', async () => {
    const s = new Scheduler();
    const { op, resolve } = manualOperation<number>();
    const log: string[] = [];
    s.add(function* () {
      yield* op;
      log.push('waiter');
    });
    const done = s.run();
    setImmediate(() =>
      s.add(function* () {
        yield;
        log.push('late');
        resolve(0);
      }),
    );
    await done;
    expect(log).toEqual(['late', 'waiter']);
  });

  it('takes a macrotask turn every pass: a timer fires although a loop is always runnable and yieldfunc is synchronous', async () => {
    const s = new Scheduler();
    let stop = false;
    let calls = 0;
    s.addloop(() => {
      calls++;
      return stop ? false : undefined;
    });
    setTimeout(() => (stop = true), 1);
    await s.run();
    expect(stop).toBe(true);
    expect(calls).toBeGreaterThan(1);
  });
});
