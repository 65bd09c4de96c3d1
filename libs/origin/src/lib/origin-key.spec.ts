import { describe, expect, it } from 'vitest';
import { originIdOf, originOf } from './origin-key.ts';
import { parseUrl } from './validate.ts';

describe('originOf', () => {
  it.each([
    ['http://A.example/x?y=1', 'http://a.example:80'],
    ['https://a.example', 'https://a.example:443'],
    ['https://user:pw@a.example:8443/p#f', 'https://a.example:8443'],
    ['http://[::1]:8080/', 'http://[::1]:8080'],
  ])('%s → %s, as originIdOf spells it', (url, origin) => {
    expect(originOf(url)).toBe(origin);
    // Asked again (from the cache), and for another path of the same origin.
    expect(originOf(url)).toBe(originIdOf(parseUrl(url), undefined).origin);
    expect(originOf(`${origin}/other`)).toBe(origin);
  });

  it('refuses what parseUrl refuses', () => {
    expect(() => originOf('ftp://a.example/x')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SCHEME' }));
    expect(() => originOf('http://a.example\n/x')).toThrow(expect.objectContaining({ code: 'BAD_URL' }));
  });
});
