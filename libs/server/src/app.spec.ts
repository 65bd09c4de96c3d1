import { describe, expect, it } from 'vitest';
import { buildTestApp, json } from './testing/test-app.ts';

describe('the app', () => {
  it('answers GET /healthz with the queue it runs on', async () => {
    const { app } = await buildTestApp({ worker: false });
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(json(health)).toMatchObject({ status: 'ok', queue: 'memory' });
  });

  it('answers an unknown route with 404 NOT_FOUND in the error body', async () => {
    const { app } = await buildTestApp({ worker: false });
    const missing = await app.inject('/v2/nothing?x=1');
    expect(missing.statusCode).toBe(404);
    expect(json(missing)).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /v2/nothing' } });
  });

  it('answers 500 INTERNAL without the message, stack or paths of the error', async () => {
    const { app } = await buildTestApp({ worker: false });
    app.get('/boom', async () => {
      throw new Error('secret detail at /srv/courier/internal.ts:12');
    });
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(json(boom)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(boom.body).not.toContain('secret');
    // …and keeps serving.
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers 503 on /healthz when the queue does not answer', async () => {
    const { app, queue } = await buildTestApp({ worker: false });
    queue.counts = () => Promise.reject(new Error('redis down'));
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(503);
    expect(json(health)).toMatchObject({ status: 'unavailable', error: { code: 'QUEUE_UNAVAILABLE' } });
  });
});

describe('closing', () => {
  it('answers a long poll at once with the current record, ends event streams, and closes', async () => {
    const { app } = await buildTestApp({ worker: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}`;
    const posted = await fetch(`${base}/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/' }) });
    const { ids } = (await posted.json()) as { ids: string[] };
    const events = await fetch(`${base}/v1/events`);
    const poll = fetch(`${base}/v1/requests/${ids[0]}?wait=10000`);
    // Both are under way once the server counts two responses in flight (the stream and the poll).
    await expect.poll(() => app.shutdown.inFlight, { interval: 5, timeout: 10_000 }).toBe(2);
    await app.close();
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { state: string }).state).toBe('waiting');
    expect(await events.text()).toContain('event: hello');
  });
});
