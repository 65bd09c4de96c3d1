import { describe, expect, it } from 'vitest';
import { Operation } from './operation.ts';
import { Scheduler } from './scheduler.ts';
import { Wait } from './wait.ts';

describe('Operation', () => {
  it('is its own Wait while pending and gives the result to every coroutine that yield*s it', async () => {
    const op = new Operation<string>();
    expect(op).toBeInstanceOf(Wait);
    const s = new Scheduler();
    const got: string[] = [];
    for (const name of ['a', 'b']) {
      s.add(function* () {
        got.push(`${name}:${yield* op}`);
      });
    }
    const done = s.run();
    expect(s.waiting).toBe(2);
    op.resolve('x');
    await done;
    expect(got).toEqual(['a:x', 'b:x']);
    expect(op.done).toBe(true);
  });

  it('throws a rejection at the yield* and gives it to await', async () => {
    const op = new Operation<number>(Promise.reject(new Error('boom')));
    await expect(op).rejects.toThrow('boom');
    const s = new Scheduler();
    let caught: unknown;
    s.add(function* () {
      try {
        yield* op;
      } catch (error) {
        caught = error;
      }
    });
    await s.run();
    expect((caught as Error).message).toBe('boom');
  });

  it('keeps the first settlement, and await works before and after it', async () => {
    const op = new Operation<number>();
    const early = op.then((v) => v * 2);
    op.resolve(1);
    op.resolve(2);
    op.reject(new Error('late'));
    expect(await early).toBe(2);
    expect(await op).toBe(1);
  });

  it('finishes a coroutine closed with return() while it waits in yield*', () => {
    const op = new Operation<number>();
    const co = (function* () {
      return yield* op;
    })();
    expect(co.next().value).toBe(op);
    expect(co.return(7)).toEqual({ done: true, value: 7 });
  });
});
