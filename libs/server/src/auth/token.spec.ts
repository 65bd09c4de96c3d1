import { describe, expect, it } from 'vitest';
import { bearerToken, TokenGuard } from './token.ts';

describe('TokenGuard', () => {
  const guard = new TokenGuard('correct-horse-battery');

  it('accepts the token and nothing else', () => {
    expect(guard.matches('correct-horse-battery')).toBe(true);
    for (const wrong of ['', 'correct-horse-batter', 'correct-horse-battery ', 'CORRECT-HORSE-BATTERY', 'x'.repeat(10_000)]) {
      expect(guard.matches(wrong)).toBe(false);
    }
  });
});

describe('bearerToken', () => {
  it('reads "Bearer <token>" case-insensitively and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});
