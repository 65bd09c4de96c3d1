import { describe, expect, it } from 'vitest';
import { TopOrigins } from './top-origins.ts';

describe('TopOrigins', () => {
  it('labels the first N origins by name and the rest "other"', () => {
    const top = new TopOrigins(2);
    expect(top.observe('http://a:80')).toBe('http://a:80');
    expect(top.observe('http://b:80')).toBe('http://b:80');
    expect(top.observe('http://c:80')).toBe('other');
  });

  it('promotes a busier origin at the next ranking and retires the one it displaced', () => {
    const top = new TopOrigins(1);
    top.observe('http://quiet:80');
    for (let i = 0; i < 10; i++) expect(top.observe('http://busy:80')).toBe('other');
    expect(top.rank()).toEqual(['http://quiet:80']);
    expect(top.observe('http://busy:80')).toBe('http://busy:80');
    expect(top.observe('http://quiet:80')).toBe('other');
  });

  it('keeps its memory bounded whatever the number of origins', () => {
    const top = new TopOrigins(5);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 100; j++) top.observe('http://hot:80');
    for (let i = 0; i < 50_000; i++) top.observe(`http://cold-${i}:80`);
    expect(top.tracked).toBeLessThanOrEqual(64);
    top.rank();
    expect(top.has('http://hot:80')).toBe(true);
    // Space-Saving's guarantee: an origin with more than total/capacity hits is never evicted.
    let labelled = 0;
    for (let i = 0; i < 50_000; i++) if (top.has(`http://cold-${i}:80`)) labelled++;
    expect(labelled).toBeLessThanOrEqual(4);
  });

  it('with size 0 sends everything to "other"', () => {
    const top = new TopOrigins(0);
    expect(top.observe('http://a:80')).toBe('other');
    top.rank();
    expect(top.observe('http://a:80')).toBe('other');
  });
});
