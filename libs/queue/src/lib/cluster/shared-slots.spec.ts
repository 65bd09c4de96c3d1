import { describe, expect, it } from 'vitest';
import { SharedSlots } from './shared-slots.ts';

describe('shared job slots', () => {
  it('grants up to its size at once, then first come first served as slots are given back', async () => {
    const slots = new SharedSlots(2);
    const never = new AbortController().signal;
    await slots.take(never);
    await slots.take(never);
    const order: string[] = [];
    const a = slots.take(never).then(() => order.push('a'));
    const b = slots.take(never).then(() => order.push('b'));
    expect(slots.waiting).toBe(2);
    slots.give();
    await a;
    expect(order).toEqual(['a']);
    slots.give();
    await b;
    expect(order).toEqual(['a', 'b']);
  });

  it('drops a waiter whose job is aborted (its slot goes to the next one)', async () => {
    const slots = new SharedSlots(1);
    await slots.take(new AbortController().signal);
    const abort = new AbortController();
    const aborted = slots.take(abort.signal);
    const next = slots.take(new AbortController().signal);
    abort.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    expect(slots.waiting).toBe(1);
    slots.give();
    await next;
    expect(slots.waiting).toBe(0);
  });
});
