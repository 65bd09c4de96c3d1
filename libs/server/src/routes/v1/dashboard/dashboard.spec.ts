import type { AddressInfo } from 'node:net';
import { describe, expect, onTestFinished, test } from 'vitest';
import { readEvents, type ServerSentEvent } from '../../../testing/sse.ts';
import { buildTestApp, json, startOrigin } from '../../../testing/test-app.ts';

describe('dashboard routes', () => {
  test('serves the page and its files without the token, with a CSP and whether sign-in is needed', async () => {
    const { app } = await buildTestApp({ token: 'dashboard-token-1' });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('data-auth="on"');
    for (const file of ['/dashboard/dashboard.js', '/dashboard/dashboard.css']) expect((await app.inject({ method: 'GET', url: file })).statusCode).toBe(200);
    // The entry module's relative imports (modules/) are served as JavaScript too, with the same CSP.
    const entry = (await app.inject({ method: 'GET', url: '/dashboard/dashboard.js' })).body;
    const imports = [...entry.matchAll(/from '\.\/(modules\/[\w-]+\.js)'/g)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(3);
    for (const file of imports) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    // Only the listed files are public routes: the HTML shell is served at / alone, and no path
    // leaves public/ (anything else is an unknown route behind the token: 401 here).
    for (const url of ['/dashboard/index.html', '/dashboard/modules/../../page.ts', '/dashboard/modules/nope.js']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    // The data is not public.
    expect((await app.inject({ method: 'GET', url: '/v1/dashboard/events' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/dashboard/inspect?origin=http://a.test' })).statusCode).toBe(401);
  });

  test('tells the page whether its cookie is a valid session, through the auth plugin itself', async () => {
    const token = 'dashboard-token-2';
    const { app } = await buildTestApp({ token });
    expect(json((await app.inject({ method: 'GET', url: '/v1/dashboard/session' })))).toEqual({ auth: true, signedIn: false });
    const forged = await app.inject({ method: 'GET', url: '/v1/dashboard/session', headers: { cookie: 'courier_session=99999999999999.AAAA' } });
    expect(json(forged)).toEqual({ auth: true, signedIn: false });
    const login = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(json(await app.inject({ method: 'GET', url: '/v1/dashboard/session', headers: { cookie } }))).toEqual({ auth: true, signedIn: true });
  });

  test('refuses a bad inspector origin with the origin lib’s code', async () => {
    const { app } = await buildTestApp();
    const bad = await app.inject({ method: 'GET', url: '/v1/dashboard/inspect?origin=ftp://x.test' });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { code: string; field: string } }>(bad).error).toMatchObject({ code: 'UNSUPPORTED_SCHEME', field: 'query.origin' });
  });

  test('streams hello, the whole table once, then diffs; stops its loop when the last page leaves', async () => {
    const fixture = await startOrigin();
    const { app } = await buildTestApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const stream = await fetch(`${base}/v1/dashboard/events`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const posted = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${fixture.url}/hello` } });
    expect(posted.statusCode).toBe(202);
    const origin = fixture.origin;
    const hasAvailableRow = (events: ServerSentEvent[]) => {
      const hello = events.find((e) => e.event === 'hello')?.data as { columns: string[] } | undefined;
      if (hello === undefined) return false;
      const [o, s] = [hello.columns.indexOf('origin'), hello.columns.indexOf('state')];
      return events.some((e) => e.event === 'origins' && (e.data as { upserts: unknown[][] }).upserts.some((r) => r[o] === origin && r[s] === 'available'));
    };
    const events = await readEvents(stream.body!, hasAvailableRow);
    expect(events[0]?.event).toBe('hello');
    const origins = events.filter((e) => e.event === 'origins').map((e) => e.data as { full: boolean });
    expect(origins[0]?.full).toBe(true);
    expect(origins.slice(1).every((o) => !o.full)).toBe(true);
    expect(events.some((e) => e.event === 'queue')).toBe(true);
    // The campaigns API exists now (issue 5): available, and no campaign yet.
    expect(events.find((e) => e.event === 'campaigns')?.data).toEqual({ available: true, campaigns: [] });
    expect(app.dashboard.viewers).toBe(1);
    controller.abort();
    await expect.poll(() => app.dashboard.viewers).toBe(0);
  });
});
