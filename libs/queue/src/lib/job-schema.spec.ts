import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCourierError } from '@courier/origin';
import { jobSchema, parseJob, parseJobs } from './job-schema.ts';

function codeOf(input: unknown): string {
  try {
    parseJob(input);
    return 'OK';
  } catch (error) {
    if (!isCourierError(error)) throw error;
    return `${error.code} ${error.message}`;
  }
}

describe('parseJob', () => {
  it('normalises a request job: kind defaults, method validated and kept as given (the client upper-cases it), headers as ordered pairs', () => {
    expect(parseJob({ url: 'HTTP://Example.test/a?b=1', method: 'post', headers: { 'X-A': '1', 'x-b': ['2', '3'], n: 4 } })).toEqual({
      kind: 'request',
      url: 'http://example.test/a?b=1',
      method: 'post',
      headers: [
        ['X-A', '1'],
        ['x-b', '2'],
        ['x-b', '3'],
        ['n', '4'],
      ],
    });
  });

  it('refuses bad URLs, methods and headers with the client codes, naming the field', () => {
    expect(codeOf({ url: 'ftp://x.test/' })).toMatch(/^UNSUPPORTED_SCHEME url: /);
    expect(codeOf({ url: 'not a url' })).toMatch(/^BAD_URL url: /);
    expect(codeOf({ url: 'http://x.test/\r\nHost: evil' })).toMatch(/^BAD_URL url: /);
    expect(codeOf({ url: 'http://x.test/', method: 'GET /x' })).toMatch(/^BAD_METHOD method: /);
    expect(codeOf({ url: 'http://x.test/', headers: { 'a b': '1' } })).toMatch(/^BAD_HEADER headers: /);
    expect(codeOf({ url: 'http://x.test/', headers: { a: 'x\r\nInjected: 1' } })).toMatch(/^BAD_HEADER headers: /);
    expect(codeOf({ url: 'http://x.test/', headers: { 'transfer-encoding': 'chunked' } })).toMatch(/^BAD_HEADER headers: /);
  });

  it('refuses other bad input with BAD_JOB and the field path', () => {
    expect(codeOf(null)).toBe('BAD_JOB job: must be an object');
    expect(codeOf('http://x.test/')).toBe('BAD_JOB job: must be an object');
    expect(codeOf({})).toMatch(/^BAD_JOB url: /);
    expect(codeOf({ url: 'http://x.test/', surprise: 1 })).toBe('BAD_JOB surprise: unknown field');
    expect(codeOf({ kind: 'email', url: 'http://x.test/' })).toMatch(/^BAD_JOB kind: /);
    expect(codeOf({ url: 'http://x.test/', body: { base64: 'not base64!' } })).toMatch(/^BAD_JOB body\.base64: /);
    expect(codeOf({ url: 'http://x.test/', totalTimeoutMs: -1 })).toMatch(/^BAD_JOB totalTimeoutMs: /);
    expect(codeOf({ url: 'http://x.test/', maxRedirects: 1.5 })).toMatch(/^BAD_JOB maxRedirects: /);
    expect(codeOf({ url: 'http://x.test/', dontReuse: 'yes' })).toBe('BAD_JOB dontReuse: must be a boolean');
    expect(codeOf({ kind: 'download', url: 'http://x.test/f' })).toMatch(/^BAD_JOB dst: /);
    expect(codeOf({ kind: 'download', url: 'http://x.test/f', dst: 'a', sha256: 'abc' })).toMatch(/^BAD_JOB sha256: /);
    expect(codeOf({ url: 'http://x.test/', body: 'x'.repeat(1024 * 1024 + 1) })).toMatch(/^BAD_JOB body: /);
  });

  it('prefixes the index in a batch', () => {
    expect(() => parseJobs([{ url: 'http://x.test/' }, { url: 'http://x.test/', method: 7 }])).toThrow(/^\[1\]\.method: /);
    expect(() => parseJobs({})).toThrow(/jobs: must be an array/);
  });

  it('accepts download jobs, lower-casing the digest', () => {
    expect(parseJob({ kind: 'download', url: 'https://x.test/fw.bin', dst: 'fw/1.bin', sha256: 'AB'.repeat(32), size: 10 })).toEqual({
      kind: 'download',
      url: 'https://x.test/fw.bin',
      dst: 'fw/1.bin',
      sha256: 'ab'.repeat(32),
      size: 10,
    });
  });

  it('is idempotent: its output parses to itself', () => {
    const header = fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/), fc.stringMatching(/^[ -~]{0,20}$/));
    const job = fc.record(
      {
        url: fc.webUrl({ validSchemes: ['http', 'https'] }),
        method: fc.constantFrom('get', 'POST', 'put', 'PATCH', 'PURGE'),
        headers: fc.array(header, { maxLength: 4 }),
        body: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }).map((b) => ({ base64: Buffer.from(b).toString('base64') }))),
        totalTimeoutMs: fc.nat(100_000),
        dontReuse: fc.boolean(),
      },
      { requiredKeys: ['url'] },
    );
    fc.assert(
      fc.property(job, (input) => {
        let once;
        try {
          once = parseJob(input);
        } catch (error) {
          // Generated URLs and header values may be refused (e.g. a header name the client manages); refusals must be CourierErrors.
          expect(isCourierError(error)).toBe(true);
          return;
        }
        expect(parseJob(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a CourierError, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.object(), (anything, object) => {
        for (const input of [anything, object, { ...object, url: 'http://x.test/' }, { url: anything }, { url: 'http://x.test/', headers: anything }]) {
          try {
            parseJob(input);
          } catch (error) {
            expect(isCourierError(error)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseJob: the bare GET shape skips zod and gives what the schema gives', () => {
  const schemaOnly = (input: unknown) => jobSchema.parse(input);
  it.each([
    [{ url: 'HTTP://Example.test/a?b=1#frag' }],
    [{ kind: 'request', url: 'https://user:pw@x.test:8443/p' }],
    [{ url: 'http://[::1]:8080/' }],
  ])('%j', (input) => {
    expect(parseJob(input)).toEqual(schemaOnly(input));
  });

  it('a bad URL or any other field still gets the schema and its codes', () => {
    expect(() => parseJob({ url: 'ftp://x.test/' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SCHEME', message: expect.stringMatching(/^url: /) }));
    expect(() => parseJob({ url: 'http://x.test/a\r\nb' })).toThrow(expect.objectContaining({ code: 'BAD_URL' }));
    expect(() => parseJob({ url: 'x'.repeat(100_000) })).toThrow(expect.objectContaining({ code: 'BAD_JOB', message: expect.stringMatching(/^url: must be at most/) }));
    expect(() => parseJob({ url: 'http://x.test/', kind: 'download' })).toThrow(expect.objectContaining({ code: 'BAD_JOB' }));
    expect(() => parseJob({ url: 'http://x.test/', extra: 1 })).toThrow(/extra: unknown field/);
    expect(parseJob({ url: 'http://x.test/', method: 'post' })).toEqual({ kind: 'request', url: 'http://x.test/', method: 'post' });
  });
});
