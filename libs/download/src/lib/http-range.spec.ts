import { describe, expect, it } from 'vitest';
import { ifRangeValue, parseContentRange, validatorChanged } from './http-range.ts';

describe('Content-Range', () => {
  it.each([
    ['bytes 0-99/1000', { start: 0, end: 99, total: 1000 }],
    ['bytes 500-999/*', { start: 500, end: 999, total: null }],
    ['bytes */1000', { start: null, end: null, total: 1000 }],
    ['BYTES 1-1/2', { start: 1, end: 1, total: 2 }],
  ])('parses %s', (value, expected) => {
    expect(parseContentRange(value)).toEqual(expected);
  });

  it.each(['bytes 5-4/10', 'bytes 0-10/10', 'bytes */*', 'items 0-1/2', 'bytes 0-1', '', undefined])('refuses %s', (value) => {
    expect(parseContentRange(value)).toBeNull();
  });
});

describe('validators', () => {
  it('If-Range takes a strong ETag, never a weak one, and falls back to Last-Modified', () => {
    expect(ifRangeValue({ etag: '"a"', lastModified: 'Mon' })).toBe('"a"');
    expect(ifRangeValue({ etag: 'W/"a"', lastModified: 'Mon' })).toBe('Mon');
    expect(ifRangeValue({ etag: 'W/"a"' })).toBeUndefined();
    expect(ifRangeValue(undefined)).toBeUndefined();
  });

  it('a change is an ETag that differs, else a Last-Modified that differs; silence is no change', () => {
    expect(validatorChanged({ etag: '"a"' }, { etag: '"b"' })).toBe(true);
    expect(validatorChanged({ etag: '"a"', lastModified: 'x' }, { etag: '"a"', lastModified: 'y' })).toBe(false);
    expect(validatorChanged({ lastModified: 'x' }, { lastModified: 'y' })).toBe(true);
    expect(validatorChanged({ etag: '"a"' }, {})).toBe(false);
    expect(validatorChanged(undefined, { etag: '"a"' })).toBe(false);
  });
});
