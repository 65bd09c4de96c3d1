import { describe, expect, it } from 'vitest';
import { DrainTracker } from './drain-tracker.ts';

describe('DrainTracker', () => {
  it('resolves at once when nothing was accepted before the call', async () => {
    const resolved: number[] = [];
    const t = new DrainTracker((n) => resolved.push(n));
    await t.begin(1, 0);
    expect(resolved).toEqual([]);
  });

  it('overlapping calls each wait only for what was accepted before them', async () => {
    const resolved: number[] = [];
    const t = new DrainTracker((n) => resolved.push(n));
    const done: string[] = [];
    // Requests of generation 0, then call 1, a request of generation 1, then call 2.
    const first = t.begin(1, 2).then(() => done.push('first'));
    const second = t.begin(2, 3).then(() => done.push('second'));
    t.finished(0);
    t.finished(0);
    await first;
    expect(done).toEqual(['first']);
    expect(resolved).toEqual([1]);
    t.finished(2); // accepted after both calls: counts for neither
    expect(resolved).toEqual([1]);
    t.finished(1);
    await second;
    expect(done).toEqual(['first', 'second']);
    expect(resolved).toEqual([1, 1]);
  });

  it('releaseAll lets every pending call go', async () => {
    const resolved: number[] = [];
    const t = new DrainTracker((n) => resolved.push(n));
    const p = t.begin(1, 5);
    t.releaseAll();
    await p;
    expect(resolved).toEqual([1]);
  });
});
