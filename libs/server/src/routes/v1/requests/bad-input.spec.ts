// Bad API bodies and bad job payloads, generated with fast-check: every one is a 400 whose
// message names the offending field, no answer carries a stack trace, and the server stays up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTestApp, json } from '../../../testing/test-app.ts';

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}

/** Codes a bad job may get: the origin lib's precise ones where it checks, BAD_JOB otherwise. */
const jobCodes = ['BAD_JOB', 'BAD_URL', 'BAD_HEADER', 'BAD_METHOD', 'UNSUPPORTED_SCHEME'];

const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
const notAnInteger = fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.double({ noInteger: true, noNaN: true }));
const notABoolean = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.constant([]));

/** For each job field: values that must be refused. */
const badValues: Record<string, fc.Arbitrary<unknown>> = {
  url: fc.oneof(
    notAString,
    fc.constantFrom('', 'not a url', '//no-scheme/x', 'http://', 'ftp://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)', 'http://127.0.0.1/\r\nX-Injected: 1', 'http://a\tb/'),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => `gopher://${encodeURIComponent(s)}`),
    fc.constant(`http://127.0.0.1/${'a'.repeat(9000)}`),
  ),
  method: fc.oneof(
    notAString,
    fc.constantFrom('', 'GET POST', 'GET\r\n', 'G(E)T', 'é', 'x'.repeat(65)),
    fc.string({ minLength: 1, maxLength: 8 }).map((s) => `${s} ${s}`),
  ),
  headers: fc.oneof(
    fc.oneof(fc.integer(), fc.boolean(), fc.constant('x-a: b')),
    fc.constantFrom({ 'bad name': 'v' }, { 'x:y': 'v' }, { '': 'v' }, { 'x-a': 'v\r\nx-b: w' }, { 'x-a': 'v\nw' }, { 'x-a': 'v\0' }),
    fc.constantFrom({ 'transfer-encoding': 'chunked' }, { 'x-a': { nested: true } }, { 'x-a': [1, 2] }, [['x-a']], [['x-a', 'b', 'c']]),
    fc.string({ minLength: 1, maxLength: 8 }).map((s) => ({ 'x-ok': `${s}\r\n${s}` })),
  ),
  body: fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constantFrom({ base64: 'not base64!' }, { base64: 1 }, { base64: 'QQ=' }, { text: 'x' })),
  headersTimeoutMs: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 3_600_001 })),
  bodyTimeoutMs: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 3_600_001 })),
  totalTimeoutMs: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 3_600_001 })),
  maxRedirects: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 51 })),
  maxResponseBytes: fc.oneof(notAnInteger, fc.integer({ max: -1 })),
  dontReuse: notABoolean,
  dontMakeReusable: notABoolean,
  preferIpv6: notABoolean,
  idempotencyKey: fc.oneof(notAString, fc.constantFrom('', 'has space', 'tab\there', 'x'.repeat(257), 'é')),
  attempts: fc.oneof(notAnInteger, fc.integer({ max: 0 }), fc.integer({ min: 51 })),
  delayMs: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 7 * 24 * 3_600_000 + 1 })),
  priority: fc.oneof(notAnInteger, fc.integer({ max: -1 }), fc.integer({ min: 2_097_153 })),
  kind: fc.oneof(fc.constantFrom('download', 'other', ''), fc.integer()),
};

const knownFields = new Set([...Object.keys(badValues), 'jobs']);
const unknownField = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/).filter((k) => !knownFields.has(k));

const validJob = fc.record(
  {
    url: fc.constantFrom('http://127.0.0.1:9/', 'https://127.0.0.1:9/path?q=1', 'http://[::1]:9/x', 'http://localhost:9/'),
    method: fc.constantFrom('GET', 'get', 'HEAD', 'DELETE'),
    headers: fc.constantFrom({ 'x-trace': 'abc' }, [['accept', 'text/plain']], {}),
    maxRedirects: fc.integer({ min: 0, max: 50 }),
    idempotencyKey: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  },
  { requiredKeys: ['url'] },
);

/** One mutated job: a valid one with a single field made bad, or an unknown field added. */
const mutatedJob = fc.oneof(
  fc.tuple(validJob, fc.constantFrom(...Object.keys(badValues))).chain(([job, field]) =>
    badValues[field]!.map((bad) => ({ job: { ...job, [field]: bad } as Record<string, unknown>, field })),
  ),
  fc.tuple(validJob, unknownField, fc.jsonValue()).map(([job, field, value]) => ({ job: { ...job, [field]: value } as Record<string, unknown>, field })),
  // A missing url is named too.
  validJob.map(({ url: _url, ...job }) => ({ job: job as Record<string, unknown>, field: 'url' })),
);

/** The job alone, or at some position in a batch of valid jobs. */
const badBody = fc.oneof(
  mutatedJob.map(({ job, field }) => ({ body: job as unknown, field })),
  fc.tuple(mutatedJob, fc.array(validJob, { maxLength: 3 }), fc.nat()).map(([{ job, field }, others, at]) => {
    const index = at % (others.length + 1);
    const jobs: unknown[] = [...others];
    jobs.splice(index, 0, job);
    return { body: { jobs } as unknown, field: `jobs[${index}].${field}` };
  }),
);

function expectNamedError(response: { statusCode: number; body: string }, field: string): void {
  expect(response.statusCode, response.body).toBe(400);
  const answer = json<ErrorAnswer>(response);
  expect(Object.keys(answer)).toEqual(['error']);
  expect(answer.error.message, JSON.stringify(answer)).toContain(field);
  expect(answer.error.field?.startsWith(field), JSON.stringify(answer)).toBe(true);
  expect(response.body).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('bad input to POST /v1/requests (generated)', () => {
  it('answers 400 naming the field for 300 mutated jobs and batches, then stays healthy', async () => {
    const { app, queue } = await buildTestApp({ worker: false });
    await fc.assert(
      fc.asyncProperty(badBody, async ({ body, field }) => {
        const response = await app.inject({ method: 'POST', url: '/v1/requests', payload: body as object });
        expectNamedError(response, field);
        expect(jobCodes).toContain(json<ErrorAnswer>(response).error.code);
      }),
      { numRuns: 300 },
    );
    // Nothing bad was queued, and the server still answers.
    expect(await queue.counts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers 400 naming the body for JSON with a __proto__ key, empty JSON and malformed JSON', async () => {
    const { app } = await buildTestApp({ worker: false });
    for (const payload of ['[{"__proto__":0}]', '{"__proto__":{"polluted":true}}', '', '{"url":']) {
      const response = await app.inject({ method: 'POST', url: '/v1/requests', headers: { 'content-type': 'application/json' }, payload });
      expect(response.statusCode, response.body).toBe(400);
      expect(json<ErrorAnswer>(response).error, response.body).toMatchObject({ code: 'BAD_BODY', field: 'body' });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers 400 for 100 arbitrary JSON bodies (never 500) and for 50 bodies that are not JSON', async () => {
    const { app } = await buildTestApp({ worker: false });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/requests',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(value),
        });
        expect(response.statusCode, response.body).toBe(400);
        const answer = json<ErrorAnswer>(response);
        expect(answer.error.field, response.body).toBeTruthy();
        expect(answer.error.message.startsWith(`${answer.error.field}: `), response.body).toBe(true);
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
        async (text) => {
          const response = await app.inject({ method: 'POST', url: '/v1/requests', headers: { 'content-type': 'application/json' }, payload: text });
          expect(response.statusCode, response.body).toBe(400);
          expect(json<ErrorAnswer>(response).error.code).toBe('BAD_BODY');
        },
      ),
      { numRuns: 50 },
    );
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers 400 naming query.wait for 50 malformed waits', async () => {
    const { app } = await buildTestApp({ worker: false });
    const badWait = fc.oneof(
      fc.stringMatching(/^[a-z]{1,6}$/),
      fc.integer({ max: -1 }).map(String),
      fc.double({ noInteger: true, noNaN: true, min: 0.01, max: 1e6 }).map(String),
    );
    await fc.assert(
      fc.asyncProperty(badWait, async (wait) => {
        expectNamedError(await app.inject(`/v1/requests/some-id?wait=${encodeURIComponent(wait)}`), 'query.wait');
      }),
      { numRuns: 50 },
    );
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });
});

describe('ids and paths the router itself looks at', () => {
  it('lets an id of up to 200 characters reach its schema, and answers longer ones and bad percent-encoding with the stable body', async () => {
    const { app } = await buildTestApp({ worker: false });
    // 101–200 characters: valid by the schema, once cut off by the router's default 100 (a 414 in Fastify's own shape).
    for (const url of [`/v1/requests/${'a'.repeat(150)}`, `/v1/campaigns/${'a'.repeat(200)}`, `/v1/downloads/${'a'.repeat(101)}`]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(json<ErrorAnswer>(response).error.code).toBe('NOT_FOUND');
    }
    expectNamedError(await app.inject(`/v1/requests/${'a'.repeat(201)}`), 'params.id');
    const tooLong = await app.inject(`/v1/requests/${'a'.repeat(300)}/body`);
    expect(tooLong.statusCode, tooLong.body).toBe(414);
    expect(json<ErrorAnswer>(tooLong).error).toMatchObject({ code: 'BAD_OPTION', field: 'path' });
    for (const url of ['/v1/requests/%zz', '/v1/campaigns/a%', '/v1/requests/%E0%A4%A/events']) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(400);
      expect(json<ErrorAnswer>(response), url).toEqual({ error: { code: 'BAD_OPTION', message: expect.stringMatching(/^path: /), field: 'path' } });
    }
  });
});
