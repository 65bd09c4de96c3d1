import { describe, expect, it } from 'vitest';
import { normaliseHeaders, normaliseMethod, parseUrl, userinfoAuthorization, withoutUserinfo } from './validate.ts';
import { nextHop } from './redirect.ts';

describe('parseUrl', () => {
  it.each([
    ['http://a.example/x\n', 'BAD_URL'],
    ['http://a.example/\tx', 'BAD_URL'],
    ['http://a.example/\0', 'BAD_URL'],
    ['http://[::1', 'BAD_URL'],
    ['gopher://a.example/', 'UNSUPPORTED_SCHEME'],
    ['javascript:alert(1)', 'UNSUPPORTED_SCHEME'],
  ])('%j → %s', (input, code) => {
    expect(() => parseUrl(input)).toThrow(expect.objectContaining({ code }));
  });

  it('accepts http and https, upper-case schemes included, and lower-cases the host', () => {
    expect(parseUrl('HTTP://Example.COM:8080/P?q').href).toBe('http://example.com:8080/P?q');
    expect(parseUrl('https://[::1]:443/').host).toBe('[::1]');
  });
});

describe('withoutUserinfo', () => {
  it.each([
    ['https://user:s3cret@a.example/x?y=1', 'https://a.example/x?y=1'],
    ['https://token@a.example/', 'https://a.example/'],
    ['https://a.example/x@y', 'https://a.example/x@y'],
    ['not a url@all', 'not a url@all'],
    ['HTTP://A.example/', 'HTTP://A.example/'],
  ])('%s → %s', (input, expected) => {
    expect(withoutUserinfo(input)).toBe(expected);
  });
});

describe('userinfoAuthorization', () => {
  it('is Basic over the percent-decoded user and password, or null without userinfo', () => {
    expect(userinfoAuthorization(new URL('https://us%40er:p%3Ass@a.example/'))).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(userinfoAuthorization(new URL('https://token@a.example/'))).toBe(`Basic ${Buffer.from('token:').toString('base64')}`);
    expect(userinfoAuthorization(new URL('https://a.example/'))).toBeNull();
  });
});

describe('methods and headers', () => {
  it('normalises the fetch methods and keeps others as given', () => {
    expect(normaliseMethod('get')).toBe('GET');
    expect(normaliseMethod('PURGE')).toBe('PURGE');
    expect(normaliseMethod(undefined)).toBe('GET');
    expect(normaliseMethod('get', true)).toBe('get');
    expect(() => normaliseMethod('G(T')).toThrow(expect.objectContaining({ code: 'BAD_METHOD' }));
  });

  it('flattens headers, keeps case and order, expands arrays', () => {
    expect(normaliseHeaders({ 'X-A': 'a', 'x-n': 5, 'set-x': ['1', '2'] })).toEqual(['X-A', 'a', 'x-n', '5', 'set-x', '1', 'set-x', '2']);
    expect(normaliseHeaders([['A', 'b']])).toEqual(['A', 'b']);
  });

  it('refuses CR, LF and NUL in values and bad names', () => {
    for (const bad of ['a\rb', 'a\nb', 'a\0b']) {
      expect(() => normaliseHeaders({ x: bad })).toThrow(expect.objectContaining({ code: 'BAD_HEADER' }));
    }
    expect(() => normaliseHeaders({ 'a:b': 'x' })).toThrow(expect.objectContaining({ code: 'BAD_HEADER' }));
    expect(() => normaliseHeaders({ connection: 'upgrade' })).toThrow(expect.objectContaining({ code: 'BAD_HEADER' }));
  });
});

describe('nextHop', () => {
  const hop = (url: string, method = 'POST', body: string | null = 'b') => ({
    url: new URL(url),
    method,
    headers: ['Authorization', 'x', 'Content-Type', 'text/plain', 'X-Other', 'y'],
    body,
  });

  it('resolves relative locations and drops the fragment', () => {
    expect(nextHop(307, '../c#frag', hop('http://a.test/x/y'), false)!.url.href).toBe('http://a.test/c');
  });

  it('303 makes a GET without body or content headers; HEAD stays HEAD', () => {
    const next = nextHop(303, '/n', hop('http://a.test/'), false)!;
    expect([next.method, next.body, next.headers]).toEqual(['GET', null, ['Authorization', 'x', 'X-Other', 'y']]);
    expect(nextHop(303, '/n', hop('http://a.test/', 'HEAD', null), false)!.method).toBe('HEAD');
  });

  it('strips credentials across origins only', () => {
    expect(nextHop(307, 'http://b.test/', hop('http://a.test/'), false)!.headers).toEqual(['Content-Type', 'text/plain', 'X-Other', 'y']);
    expect(nextHop(307, 'http://a.test/z', hop('http://a.test/'), false)!.headers).toContain('Authorization');
  });

  it('refuses https → http and non-http schemes', () => {
    expect(() => nextHop(302, 'http://a.test/', hop('https://a.test/'), false)).toThrow(expect.objectContaining({ code: 'REDIRECT_REFUSED' }));
    expect(nextHop(302, 'http://a.test/', hop('https://a.test/'), true)!.url.protocol).toBe('http:');
    expect(() => nextHop(302, 'file:///etc/passwd', hop('http://a.test/'), true)).toThrow(expect.objectContaining({ code: 'REDIRECT_REFUSED' }));
  });
});
