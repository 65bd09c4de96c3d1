import { Readable } from 'node:stream';
import type { JobRecord } from '@courier/queue';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../../testing/sse.ts';
import { buildTestApp, json, startOrigin } from '../../../testing/test-app.ts';

interface EnqueueAnswer {
  ids: string[];
  jobs: Array<{ id: string; duplicate: boolean }>;
}
interface ErrorAnswer {
  error: { code: string; message: string; field?: string; retryAfter?: number };
}

describe('POST /v1/requests', () => {
  it('enqueues one job (202 → id) that runs to a result', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    const posted = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello` } });
    expect(posted.statusCode).toBe(202);
    const { ids, jobs } = json<EnqueueAnswer>(posted);
    expect(ids).toHaveLength(1);
    expect(jobs).toEqual([{ id: ids[0], duplicate: false }]);

    const done = await app.inject({ method: 'GET', url: `/v1/requests/${ids[0]}?wait=10000` });
    expect(done.statusCode).toBe(200);
    const record = json<JobRecord>(done);
    expect(record.state).toBe('completed');
    expect(record.result).toMatchObject({ kind: 'request', status: 200 });
    if (record.result?.kind !== 'request') throw new Error('expected a request result');
    expect(Buffer.from(record.result.bodyBase64 ?? '', 'base64').toString()).toBe('hello world');
    expect(origin.requests).toBe(1);
  });

  it('enqueues a batch: one id per job, in order, each with its own idempotency key', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    const posted = await app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: {
        jobs: [
          { url: `${origin.url}/hello`, idempotencyKey: 'batch-a' },
          { url: `${origin.url}/echo`, method: 'POST', body: 'ping', idempotencyKey: 'batch-b' },
          { url: `${origin.url}/bytes/10` },
        ],
      },
    });
    expect(posted.statusCode).toBe(202);
    const { ids } = json<EnqueueAnswer>(posted);
    expect(new Set(ids).size).toBe(3);
    const records = await Promise.all(ids.map(async (id) => json<JobRecord>(await app.inject(`/v1/requests/${id}?wait=10000`))));
    expect(records.map((r) => r.state)).toEqual(['completed', 'completed', 'completed']);
    expect(records.map((r) => (r.input as { url: string }).url)).toEqual([`${origin.url}/hello`, `${origin.url}/echo`, `${origin.url}/bytes/10`]);
    expect(origin.requestLog.find((r) => r.path === '/echo')?.body.toString()).toBe('ping');
  });

  it('runs the same idempotency key once, and answers 409 CONFLICT for another payload under it', async () => {
    const { app } = await buildTestApp({ worker: false });
    const job = { url: 'http://127.0.0.1:9/once', idempotencyKey: 'key-1' };
    const first = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: job }));
    const again = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: job }));
    expect(again.jobs).toEqual([{ id: first.ids[0], duplicate: true }]);

    const conflict = await app.inject({ method: 'POST', url: '/v1/requests', payload: { ...job, url: 'http://127.0.0.1:9/other' } });
    expect(conflict.statusCode).toBe(409);
    expect(json<ErrorAnswer>(conflict).error.code).toBe('CONFLICT');
  });

  it('answers 429 QUEUE_FULL with Retry-After when the queue is at its depth cap', async () => {
    const { app } = await buildTestApp({ worker: false, maxDepth: 1 });
    expect((await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/a' } })).statusCode).toBe(202);
    const full = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/b' } });
    expect(full.statusCode).toBe(429);
    expect(json<ErrorAnswer>(full).error.code).toBe('QUEUE_FULL');
    expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('refuses a batch over COURIER_MAX_BATCH and an empty one, naming `jobs`', async () => {
    const { app } = await buildTestApp({ worker: false, config: { maxBatch: 2 } });
    const job = { url: 'http://127.0.0.1:9/' };
    const tooMany = await app.inject({ method: 'POST', url: '/v1/requests', payload: { jobs: [job, job, job] } });
    expect(tooMany.statusCode).toBe(400);
    expect(json<ErrorAnswer>(tooMany).error).toMatchObject({ code: 'BAD_JOB', field: 'jobs' });
    expect(json<ErrorAnswer>(tooMany).error.message).toMatch(/^jobs: .*at most 2 jobs/);
    const empty = await app.inject({ method: 'POST', url: '/v1/requests', payload: { jobs: [] } });
    expect(json<ErrorAnswer>(empty).error).toMatchObject({ code: 'BAD_JOB', field: 'jobs' });
  });

  it('names the bad field of a job inside a batch, with the origin lib’s code', async () => {
    const { app } = await buildTestApp({ worker: false });
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { jobs: [{ url: 'http://127.0.0.1:9/' }, { url: 'http://127.0.0.1:9/', headers: { 'x-evil': 'a\r\nb' } }] },
    });
    expect(answer.statusCode).toBe(400);
    expect(json<ErrorAnswer>(answer).error).toMatchObject({ code: 'BAD_HEADER', field: 'jobs[1].headers' });
    const scheme = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'ftp://127.0.0.1/file' } });
    expect(json<ErrorAnswer>(scheme).error).toMatchObject({ code: 'UNSUPPORTED_SCHEME', field: 'url' });
    const unknown = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/', colour: 'blue' } });
    expect(json<ErrorAnswer>(unknown).error).toMatchObject({ code: 'BAD_JOB', field: 'colour', message: 'colour: unknown field' });
  });

  it('answers 413 for a body over COURIER_BODY_LIMIT, 415 for a non-JSON one, 400 for broken JSON', async () => {
    const { app } = await buildTestApp({ worker: false, config: { bodyLimitBytes: 1024 } });
    const big = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/', body: 'x'.repeat(2048), method: 'POST' } });
    expect(big.statusCode).toBe(413);
    expect(json<ErrorAnswer>(big).error.code).toBe('BODY_TOO_LARGE');
    const text = await app.inject({ method: 'POST', url: '/v1/requests', headers: { 'content-type': 'text/plain' }, payload: 'http://x/' });
    expect(text.statusCode).toBe(415);
    expect(json<ErrorAnswer>(text).error.code).toBe('BAD_BODY');
    const broken = await app.inject({ method: 'POST', url: '/v1/requests', headers: { 'content-type': 'application/json' }, payload: '{"url": ' });
    expect(broken.statusCode).toBe(400);
    expect(json<ErrorAnswer>(broken).error.code).toBe('BAD_BODY');
  });
});

describe('GET /v1/requests/:id', () => {
  it('answers the current state at once without ?wait, and 404 for an unknown id', async () => {
    const { app } = await buildTestApp({ worker: false });
    const { ids } = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/' } }));
    const now = await app.inject(`/v1/requests/${ids[0]}`);
    expect(json<JobRecord>(now).state).toBe('waiting');
    // A wait that ends before the job does answers its current record, not an error.
    const waited = await app.inject(`/v1/requests/${ids[0]}?wait=50`);
    expect(waited.statusCode).toBe(200);
    expect(json<JobRecord>(waited).state).toBe('waiting');
    const missing = await app.inject('/v1/requests/no-such-job');
    expect(missing.statusCode).toBe(404);
    expect(json<ErrorAnswer>(missing).error.code).toBe('NOT_FOUND');
  });

  it('refuses a malformed id or wait, naming the field', async () => {
    const { app } = await buildTestApp({ worker: false });
    const badId = await app.inject('/v1/requests/a:b');
    expect(badId.statusCode).toBe(400);
    expect(json<ErrorAnswer>(badId).error).toMatchObject({ code: 'BAD_OPTION', field: 'params.id' });
    const badWait = await app.inject('/v1/requests/abc?wait=soon');
    expect(badWait.statusCode).toBe(400);
    expect(json<ErrorAnswer>(badWait).error).toMatchObject({ code: 'BAD_OPTION', field: 'query.wait' });
    const negative = await app.inject('/v1/requests/abc?wait=-1');
    expect(json<ErrorAnswer>(negative).error.field).toBe('query.wait');
  });

  it('never shows the credentials a job was sent with', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    const { ids } = json<EnqueueAnswer>(
      await app.inject({
        method: 'POST',
        url: '/v1/requests',
        payload: { url: `${origin.url}/hello`, headers: { Authorization: 'Bearer upstream-secret', 'x-trace': 't1' } },
      }),
    );
    const done = await app.inject(`/v1/requests/${ids[0]}?wait=10000`);
    expect(done.body).not.toContain('upstream-secret');
    expect(json<JobRecord>(done).state).toBe('completed');
    // …while the upstream did receive it.
    expect(origin.requestLog[0]?.headers.authorization).toBe('Bearer upstream-secret');
  });

  it('serves the response body bytes at /body, inline or from the results directory', async () => {
    const { app } = await buildTestApp({ inlineBodyBytes: 16 });
    const origin = await startOrigin();
    const { ids } = json<EnqueueAnswer>(
      await app.inject({ method: 'POST', url: '/v1/requests', payload: { jobs: [{ url: `${origin.url}/bytes/8` }, { url: `${origin.url}/bytes/5000` }] } }),
    );
    for (const id of ids) await app.inject(`/v1/requests/${id}?wait=10000`);
    const small = await app.inject(`/v1/requests/${ids[0]}/body`);
    expect(small.rawPayload).toEqual(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
    const large = await app.inject(`/v1/requests/${ids[1]}/body`);
    expect(large.statusCode).toBe(200);
    expect(large.rawPayload.length).toBe(5000);
    expect(large.rawPayload[4999]).toBe(4999 % 251);
  });
});

describe('DELETE /v1/requests/:id', () => {
  it('cancels a waiting job; a second cancel is 409, an unknown id 404', async () => {
    const { app } = await buildTestApp({ worker: false });
    const { ids } = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/' } }));
    const cancelled = await app.inject({ method: 'DELETE', url: `/v1/requests/${ids[0]}` });
    expect(cancelled.statusCode).toBe(200);
    expect(json(cancelled)).toEqual({ id: ids[0], cancelled: true });
    expect(json<JobRecord>(await app.inject(`/v1/requests/${ids[0]}`)).state).toBe('cancelled');
    const again = await app.inject({ method: 'DELETE', url: `/v1/requests/${ids[0]}` });
    expect(again.statusCode).toBe(409);
    expect(json<ErrorAnswer>(again).error.code).toBe('CONFLICT');
    expect((await app.inject({ method: 'DELETE', url: '/v1/requests/unknown-job' })).statusCode).toBe(404);
  });
});

describe('failed jobs: GET /v1/requests?state=failed and POST /v1/requests/:id/retry', () => {
  it('lists a failed job with its error code and retries it', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    const { ids } = json<EnqueueAnswer>(
      await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/status/404`, attempts: 1 } }),
    );
    const failed = json<JobRecord>(await app.inject(`/v1/requests/${ids[0]}?wait=10000`));
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'HTTP_STATUS', status: 404 });

    const list = await app.inject('/v1/requests?state=failed');
    expect(list.statusCode).toBe(200);
    expect(json<{ jobs: JobRecord[] }>(list).jobs.map((j) => j.id)).toContain(ids[0]);

    const retried = await app.inject({ method: 'POST', url: `/v1/requests/${ids[0]}/retry` });
    expect(retried.statusCode).toBe(202);
    const again = json<JobRecord>(await app.inject(`/v1/requests/${ids[0]}?wait=10000`));
    expect(again.state).toBe('failed');
    expect(origin.requests).toBe(2);
  });

  it('retries only failed jobs (409), known ones (404), and lists only state=failed (400)', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    const { ids } = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello` } }));
    await app.inject(`/v1/requests/${ids[0]}?wait=10000`);
    const notFailed = await app.inject({ method: 'POST', url: `/v1/requests/${ids[0]}/retry` });
    expect(notFailed.statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/v1/requests/nope/retry' })).statusCode).toBe(404);
    const badState = await app.inject('/v1/requests?state=completed');
    expect(badState.statusCode).toBe(400);
    expect(json<ErrorAnswer>(badState).error.field).toBe('query.state');
    const missingState = await app.inject('/v1/requests');
    expect(json<ErrorAnswer>(missingState).error.field).toBe('query.state');
    const badPage = await app.inject('/v1/requests?state=failed&start=10&end=5');
    expect(json<ErrorAnswer>(badPage).error.field).toBe('query.end');
  });
});

describe('GET /v1/requests/:id/events', () => {
  it('starts with the current state and ends when the job is cancelled', async () => {
    const { app } = await buildTestApp({ worker: false });
    const { ids } = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/' } }));
    const response = await app.inject({ url: `/v1/requests/${ids[0]}/events`, payloadAsStream: true });
    expect(response.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/v1/requests/${ids[0]}` })).statusCode).toBe(200);
    const events = await readEvents(response.stream());
    expect(events.map((e) => e.event)).toEqual(['state', 'failed']);
    expect(events[0]?.data).toMatchObject({ id: ids[0], state: 'waiting' });
    expect(events[1]?.data).toMatchObject({ id: ids[0], error: { code: 'ABORTED' }, willRetry: false });
  });

  it('answers a finished job with its state alone, and 404 for an unknown one', async () => {
    const { app } = await buildTestApp({ worker: false });
    const { ids } = json<EnqueueAnswer>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/' } }));
    await app.inject({ method: 'DELETE', url: `/v1/requests/${ids[0]}` });
    const finished = await app.inject(`/v1/requests/${ids[0]}/events`);
    expect(finished.statusCode).toBe(200);
    expect(await readEvents(Readable.from([finished.rawPayload]))).toEqual([{ event: 'state', data: expect.objectContaining({ state: 'cancelled' }) }]);
    const unknown = await app.inject('/v1/requests/unknown-job/events');
    expect(unknown.statusCode).toBe(404);
    expect(json<ErrorAnswer>(unknown).error.code).toBe('NOT_FOUND');
    expect(app.eventStreams.size).toBe(0);
  });
});
