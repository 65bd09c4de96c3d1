import { describe, expect, it } from 'vitest';
import { lowerRatio, median, pairedRatio, ratio, showRatio } from './stats.ts';

describe('bench ratios', () => {
  it('keeps the median of per-round ratios and the ratio of medians apart', () => {
    // Rounds where one side had a slow spell: per round 2.0, 1.0, 0.5 → median 1.0; medians 3 / 2 = 1.5.
    const a = [4, 3, 1];
    const b = [2, 3, 2];
    expect(pairedRatio(a, b)).toBe(1);
    expect(median(a) / median(b)).toBe(1.5);
    expect(ratio(a, b)).toEqual({ perRound: 1, ofMedians: 1.5 });
    expect(showRatio(ratio(a, b))).toBe('1.00 (1.50)');
    expect(lowerRatio(ratio(a, b))).toBe(1);
  });

  it('shows an unknown comparison as a dash', () => {
    expect(showRatio(null)).toBe('–');
    expect(showRatio(ratio([], []))).toBe('–');
  });
});
