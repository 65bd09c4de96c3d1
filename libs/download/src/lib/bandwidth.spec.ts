import { describe, expect, it } from 'vitest';
import { BandwidthLimiter } from './bandwidth.ts';

describe('BandwidthLimiter', () => {
  it('lets a burst through, then paces to the rate', () => {
    let t = 0;
    const limiter = new BandwidthLimiter(1000, 500, () => t);
    expect(limiter.reserve(500)).toBe(0);
    // 500 more bytes at 1000 B/s: half a second of debt.
    expect(limiter.reserve(500)).toBe(500);
    t += 500;
    expect(limiter.reserve(100)).toBe(100);
  });

  it('refills up to the burst only', () => {
    let t = 0;
    const limiter = new BandwidthLimiter(1000, 200, () => t);
    t += 10_000;
    expect(limiter.reserve(200)).toBe(0);
    expect(limiter.reserve(100)).toBe(100);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new BandwidthLimiter(0)).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });
});
