import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readEvents } from '../../../testing/sse.ts';
import { buildTestApp, json, startOrigin } from '../../../testing/test-app.ts';

const token = 'test-token-0123456789';
const bearer = { authorization: `Bearer ${token}` };

interface ErrorAnswer {
  error: { code: string; message: string };
}

/** The `name=value` part of a Set-Cookie header, for sending back. */
function cookiePair(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (header === undefined) throw new Error('no Set-Cookie');
  return header.split(';')[0]!;
}

describe('bearer token (COURIER_TOKEN set)', () => {
  it('answers 401 without a token or with a wrong one, and lets the right one in', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const missing = await app.inject('/v1/origins');
    expect(missing.statusCode).toBe(401);
    expect(json<ErrorAnswer>(missing).error.code).toBe('UNAUTHORIZED');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await app.inject({ url: '/v1/origins', headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(json<ErrorAnswer>(wrong).error.message).toBe('wrong token');
    expect((await app.inject({ url: '/v1/origins', headers: bearer })).statusCode).toBe(200);
    // Every route but /healthz is behind it, unknown ones and the metrics included.
    for (const [method, url] of [['POST', '/v1/requests'], ['GET', '/metrics'], ['GET', '/v1/events'], ['GET', '/no/such/route'], ['DELETE', '/v1/connections']] as const) {
      expect((await app.inject({ method, url })).statusCode, `${method} ${url}`).toBe(401);
    }
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers 401 to 100 generated wrong tokens and malformed Authorization headers', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const header = fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => s !== token).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 40 }).map((s) => `Basic ${s}`),
      fc.constantFrom(token, `bearer${token}`, `Bearer ${token} extra`, `Token ${token}`),
      fc.string({ maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        // Header values must be valid for HTTP; light-my-request refuses CR/LF like node does.
        const safe = authorization.replace(/[^\x20-\x7e]/g, '');
        const response = await app.inject({ url: '/v1/origins', headers: { authorization: safe } });
        expect(response.statusCode).toBe(401);
      }),
      { numRuns: 100 },
    );
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('leaves every route open when no token is configured', async () => {
    const { app } = await buildTestApp({ worker: false });
    expect((await app.inject('/v1/origins')).statusCode).toBe(200);
    expect(json(await app.inject({ method: 'POST', url: '/v1/session', payload: {} }))).toEqual({ auth: false });
  });
});

describe('POST /v1/session (token → cookie, for the dashboard and SSE)', () => {
  it('sets an HttpOnly, SameSite=Strict cookie that opens the API, and refuses a wrong token', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const wrong = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: 'nope-nope-nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const none = await app.inject({ method: 'POST', url: '/v1/session', payload: {} });
    expect(none.statusCode).toBe(401);

    const session = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    expect(session.statusCode).toBe(200);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/^courier_session=/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).not.toContain(token);
    const cookie = cookiePair(session.headers['set-cookie']);

    expect((await app.inject({ url: '/v1/origins', headers: { cookie } })).statusCode).toBe(200);
    // One character of the session id changed: an id never issued.
    const tampered = `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`;
    expect((await app.inject({ url: '/v1/origins', headers: { cookie: tampered } })).statusCode).toBe(401);

    // The bearer header works for the exchange too.
    expect((await app.inject({ method: 'POST', url: '/v1/session', headers: bearer })).statusCode).toBe(200);
    const ended = await app.inject({ method: 'DELETE', url: '/v1/session' });
    expect(String(ended.headers['set-cookie'])).toMatch(/^courier_session=;/);
  });

  it('lets the cookie follow a job over SSE (GET /v1/requests/:id/events) to its completion', async () => {
    const { app } = await buildTestApp({ token });
    const origin = await startOrigin();
    const latch = origin.hold('/hello');
    const cookie = cookiePair((await app.inject({ method: 'POST', url: '/v1/session', payload: { token } })).headers['set-cookie']);
    const { ids } = json<{ ids: string[] }>(
      await app.inject({ method: 'POST', url: '/v1/requests', headers: { cookie }, payload: { url: `${origin.url}/hello` } }),
    );
    // The upstream holds the request: the job is active while the stream opens.
    await latch.waitForArrivals(1);

    const refused = await app.inject({ url: `/v1/requests/${ids[0]}/events` });
    expect(refused.statusCode).toBe(401);

    const response = await app.inject({ url: `/v1/requests/${ids[0]}/events`, headers: { cookie }, payloadAsStream: true });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    latch.release();
    // The stream ends by itself after the job's last event.
    const events = await readEvents(response.stream());
    expect(events[0]).toMatchObject({ event: 'state', data: { id: ids[0], state: 'active' } });
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { id: ids[0], result: { status: 200 } } });
    await app.eventStreams.whenNoneOpen();
  });
});

describe('GET /v1/events over a real socket', () => {
  it('streams every job’s events to a cookie holder and unsubscribes when the client leaves', async () => {
    const { app } = await buildTestApp({ token });
    const origin = await startOrigin();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const login = await fetch(`${base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(login.status).toBe(200);
    const cookie = cookiePair(login.headers.getSetCookie());

    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const stream = await fetch(`${base}/v1/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(app.eventStreams.size).toBe(1);

    const posted = await fetch(`${base}/v1/requests`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: [{ url: `${origin.url}/hello` }, { url: `${origin.url}/bytes/3` }] }),
    });
    const { ids } = (await posted.json()) as { ids: string[] };
    const completed = (events: Array<{ event: string; data: unknown }>) =>
      ids.every((id) => events.some((e) => e.event === 'completed' && (e.data as { id: string }).id === id));
    const events = await readEvents(stream.body!, completed);
    expect(events[0]).toMatchObject({ event: 'hello', data: { queue: 'memory' } });
    expect(completed(events)).toBe(true);
    // Leaving (the loop above cancelled the body) closes the stream on the server.
    await app.eventStreams.whenNoneOpen();
    expect(app.eventStreams.size).toBe(0);
  });
});
