import { describe, expect, it } from 'vitest';
import { stripUndefined } from './strip-undefined.ts';

describe('stripUndefined', () => {
  it('drops undefined fields only, so a spread keeps the defaults under them', () => {
    const given = { a: undefined, b: 0, c: null, d: '', e: false };
    expect(stripUndefined(given)).toEqual({ b: 0, c: null, d: '', e: false });
    expect('a' in stripUndefined(given)).toBe(false);
    expect({ a: 1, b: 2, ...stripUndefined({ a: undefined, b: 3 }) }).toEqual({ a: 1, b: 3 });
  });
});
