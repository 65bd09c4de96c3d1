import { describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.ts';

describe('SessionStore', () => {
  it('knows its sessions until they expire, and forgets a revoked one at once', () => {
    const store = new SessionStore();
    const id = store.issue(2_000, 0);
    expect(store.isValid(id, 1_999)).toBe(true);
    const other = store.issue(2_000, 0);
    store.revoke(other);
    expect(store.isValid(other, 1)).toBe(false);
    expect(store.isValid(id, 2_000)).toBe(false);
    // Expired is gone for good, not valid again with an earlier clock.
    expect(store.isValid(id, 0)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('refuses ids it never issued and malformed ones', () => {
    const store = new SessionStore();
    const id = store.issue(5_000, 0);
    for (const junk of ['', id.slice(0, -1), `${id}A`, `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`, '.'.repeat(43), 'x'.repeat(10_000)]) {
      expect(store.isValid(junk, 0), junk.slice(0, 50)).toBe(false);
    }
  });

  it('sweeps expired sessions and holds at most its maximum, dropping the oldest', () => {
    const store = new SessionStore(3);
    const first = store.issue(1_000, 0);
    store.issue(1_000, 0);
    const older = store.issue(5_000, 0);
    // At 1,000 the first two have expired: swept, not counted against the maximum.
    const fresh = store.issue(6_000, 1_000);
    expect(store.size).toBe(2);
    expect(store.isValid(first, 0)).toBe(false);
    store.issue(6_000, 1_000);
    store.issue(6_000, 1_000);
    expect(store.size).toBe(3);
    expect(store.isValid(older, 1_000)).toBe(false);
    expect(store.isValid(fresh, 1_000)).toBe(true);
  });
});
