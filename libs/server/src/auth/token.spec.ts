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

  it('verifies its own sessions until they expire', () => {
    const session = guard.issueSession(2_000);
    expect(guard.verifySession(session, 1_999)).toBe(true);
    expect(guard.verifySession(session, 2_000)).toBe(false);
  });

  it('refuses tampered, foreign and malformed sessions', () => {
    const session = guard.issueSession(5_000);
    const [expires, mac] = session.split('.') as [string, string];
    expect(guard.verifySession(`${Number(expires) + 1}.${mac}`, 0)).toBe(false);
    expect(guard.verifySession(`${expires}.${mac.slice(0, -2)}AA`, 0)).toBe(false);
    expect(guard.verifySession(new TokenGuard('another-token-here').issueSession(5_000), 0)).toBe(false);
    for (const junk of ['', '.', '5000', '5000.', '.abc', 'abc.def', '1e9.abc', `${'9'.repeat(20)}.x`]) {
      expect(guard.verifySession(junk, 0)).toBe(false);
    }
  });

  it('never puts the token into the session value', () => {
    expect(guard.issueSession(5_000)).not.toContain('correct-horse-battery');
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
