import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isReplayable } from './replayable-body.ts';

describe('isReplayable', () => {
  it('no body, a string and bytes can be sent again', () => {
    expect(isReplayable(undefined)).toBe(true);
    expect(isReplayable(null)).toBe(true);
    expect(isReplayable('')).toBe(true);
    expect(isReplayable('{"a":1}')).toBe(true);
    expect(isReplayable(new Uint8Array([1, 2]))).toBe(true);
    expect(isReplayable(Buffer.from('x'))).toBe(true);
  });

  it('a stream cannot: the first send consumes it', () => {
    expect(isReplayable(Readable.from(['x']))).toBe(false);
    expect(isReplayable((async function* () {})())).toBe(false);
  });
});
