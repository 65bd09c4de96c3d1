import { describe, expect, it } from 'vitest';
import { DrainTracker } from './drain-tracker.ts';

describe('DrainTracker', () => {
  it('resolves at once when nothing was accepted before the call', async () => {
    const t = new DrainTracker();
    await t.begin(0);
    expect(t.draining).toBe(false);
  });

  it('overlapping calls each wait only for what was accepted before them', async () => {
    const t = new DrainTracker();
    const g0 = t.generation;
    const done: string[] = [];
    const first = t.begin(2).then(() => done.push('first'));
    const g1 = t.generation; // a request accepted between the calls
    const second = t.begin(3).then(() => done.push('second'));
    expect(t.draining).toBe(true);
    t.finished(g0);
    t.finished(g0);
    await first;
    expect(done).toEqual(['first']);
    t.finished(t.generation); // accepted after both calls: counts for neither
    expect(t.draining).toBe(true);
    t.finished(g1);
    await second;
    expect(done).toEqual(['first', 'second']);
    expect(t.draining).toBe(false);
  });

  it('releaseAll lets every pending call go', async () => {
    const t = new DrainTracker();
    const p = t.begin(5);
    t.releaseAll();
    await p;
    expect(t.draining).toBe(false);
  });
});
