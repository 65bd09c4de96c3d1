import { describe, expect, it } from 'vitest';
import { trustedLength } from './sidecar.ts';

describe('trustedLength', () => {
  it('trusts all of a part stopped cleanly', () => {
    expect(trustedLength(100, 100, 40)).toBe(100);
  });

  it('after a crash, drops the in-flight window but never below the checkpoint', () => {
    expect(trustedLength(10, 100, 40)).toBe(60);
    expect(trustedLength(80, 100, 40)).toBe(80);
    expect(trustedLength(0, 30, 40)).toBe(0);
  });

  it('a part shorter than its checkpoint (cut by hand) is trusted as it is', () => {
    expect(trustedLength(200, 100, 40)).toBe(100);
  });
});
