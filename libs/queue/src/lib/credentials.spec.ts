import { userinfoAuthorization } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { REDACTED, parseSensitiveHeaders, redactRedirects, redactUserinfo, restoreCredentials, sensitiveHeaderNames, splitCredentials } from './credentials.ts';
import type { HeaderPair } from './job-schema.ts';

describe('splitCredentials', () => {
  it('turns URL userinfo into a secret authorization header and stores the URL without it', () => {
    const { stored, secrets } = splitCredentials({ kind: 'request', url: 'https://user:s3cret@a.example/x?y=1' });
    expect(stored.url).toBe('https://a.example/x?y=1');
    expect(JSON.stringify(stored)).not.toContain('s3cret');
    expect(stored.headers).toEqual([['authorization', REDACTED]]);
    expect(secrets).toEqual([['authorization', userinfoAuthorization(new URL('https://user:s3cret@a.example/'))]]);
    // The worker puts back what the client would have sent.
    expect(restoreCredentials(stored, secrets!).headers).toEqual(secrets);
  });

  it('keeps an authorization header the caller gave over the userinfo, and still drops the userinfo', () => {
    const { stored, secrets } = splitCredentials({ kind: 'request', url: 'https://user:pw@a.example/', headers: [['Authorization', 'Bearer t']] });
    expect(stored.url).toBe('https://a.example/');
    expect(secrets).toEqual([['Authorization', 'Bearer t']]);
  });

  it('leaves a job without credentials as it was', () => {
    const job = { kind: 'request' as const, url: 'https://a.example/' };
    expect(splitCredentials(job)).toEqual({ stored: job, secrets: null });
  });
});

describe('sensitive headers', () => {
  it('splits off x-api-key and x-auth-token by default, and the operator’s own names when given; the worker restores them by name', () => {
    const job = { kind: 'request' as const, url: 'https://a.example/', headers: [['X-Api-Key', 'k1'], ['X-Auth-Token', 't1'], ['X-Custom', 'c1'], ['X-Plain', 'p']] as HeaderPair[] };
    const byDefault = splitCredentials(job);
    expect(byDefault.stored.headers).toEqual([['X-Api-Key', REDACTED], ['X-Auth-Token', REDACTED], ['X-Custom', 'c1'], ['X-Plain', 'p']]);
    const { stored, secrets } = splitCredentials(job, sensitiveHeaderNames(['x-CUSTOM']));
    expect(JSON.stringify(stored)).not.toMatch(/k1|t1|c1/);
    expect(secrets).toEqual([['X-Api-Key', 'k1'], ['X-Auth-Token', 't1'], ['X-Custom', 'c1']]);
    // No copy of the producer's list needed: the secrets name what they replace.
    expect(restoreCredentials(stored, secrets!).headers).toEqual([['X-Plain', 'p'], ['X-Api-Key', 'k1'], ['X-Auth-Token', 't1'], ['X-Custom', 'c1']]);
  });

  it('refuses a name that is not a header token (a typo must not leave a secret unredacted)', () => {
    expect(() => parseSensitiveHeaders('x-ok, bad name')).toThrow(/"bad name" is not a header name/);
    expect(parseSensitiveHeaders(' X-One ,x-two,, ')).toEqual(['x-one', 'x-two']);
    expect(parseSensitiveHeaders(undefined)).toEqual([]);
  });
});

describe('redactRedirects', () => {
  it('drops userinfo from every hop’s URL and Location', () => {
    const hops = redactRedirects([{ status: 302, url: 'http://a.example/x', location: 'http://u:s3cret@b.example/y', method: 'GET' }]);
    expect(hops).toEqual([{ status: 302, url: 'http://a.example/x', location: 'http://b.example/y', method: 'GET' }]);
  });
});

describe('redactUserinfo', () => {
  it.each([
    ['a URL the parser refused', 'malformed URL: "http://user:s3cret@exa mple.com/"'],
    ['a query parameter, raw', '{"req":{"url":"/v1/connections?remote=http://u:s3cret@x/"}}'],
    ['a query parameter, percent-encoded', '{"req":{"url":"/v1/connections?remote=http%3A%2F%2Fu%3As3cret%40x%2F"}}'],
    ['host[:port] with userinfo', 'query.remote: bad remote "u:s3cret@x:80"'],
    ['an @ in the password', 'https://u:p@s3cret@host/x'],
    ['a JSON-escaped quote in the password', JSON.stringify({ msg: 'http://u:s3"cret@h/' })],
  ])('scrubs %s', (_name, text) => {
    const out = redactUserinfo(text);
    expect(out).not.toContain('s3cret');
    expect(out).toContain(REDACTED);
  });

  it('leaves text without userinfo alone, and keeps a JSON line valid', () => {
    const line = '{"msg":"at (node:internal/x) /work/node_modules/@courier/origin/src/a.ts:3:4","url":"https://a.example/x?y=1"}';
    expect(redactUserinfo(line)).toBe(line);
    expect(() => JSON.parse(redactUserinfo(JSON.stringify({ url: 'http://u:"p\\@x/' })))).not.toThrow();
  });
});
