import { createClient, type Client } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, type HttpFixture } from '../fixtures/index.ts';

const fixture = (options?: Parameters<typeof startHttpFixture>[0]): Promise<HttpFixture> => forThisTest(startHttpFixture(options));

function client(options?: Parameters<typeof createClient>[0]): Client {
  const c = createClient(options);
  onTestFinished(() => c.destroy());
  return c;
}

const to = (f: HttpFixture, code: number, target: string) => `${f.url}/redirect/${code}?to=${encodeURIComponent(target)}`;

interface Echo {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

describe('redirects', () => {
  it.each([
    [301, 'POST', 'GET', ''],
    [302, 'POST', 'GET', ''],
    [303, 'POST', 'GET', ''],
    [303, 'PUT', 'GET', ''],
    [307, 'POST', 'POST', 'payload'],
    [308, 'POST', 'POST', 'payload'],
    [301, 'PUT', 'PUT', 'payload'],
    [302, 'GET', 'GET', 'payload'],
  ])('%i after %s → %s with body %j', async (status, method, expectedMethod, expectedBody) => {
    const f = await fixture();
    const c = client();
    const res = await c.request(to(f, status, `${f.url}/echo`), { method, body: 'payload', headers: { 'content-type': 'text/plain' } });
    const echo = await res.json<Echo>();
    expect(echo.method).toBe(expectedMethod);
    expect(echo.body).toBe(expectedBody);
    if (expectedBody === '') expect(echo.headers['content-type']).toBeUndefined();
    expect(res.redirects).toEqual([{ status, url: to(f, status, `${f.url}/echo`), location: `${f.url}/echo`, method }]);
    expect(res.url).toBe(`${f.url}/echo`);
  });

  it('hands a cross-origin hop to that origin’s actor and drops credentials', async () => {
    const a = await fixture();
    const b = await fixture();
    const c = client();
    const res = await c.request(to(a, 302, `${b.url}/echo`), {
      headers: { authorization: 'Bearer secret', cookie: 'sid=1', 'proxy-authorization': 'Basic x', 'x-keep': 'yes' },
    });
    const echo = await res.json<Echo>();
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers['proxy-authorization']).toBeUndefined();
    expect(echo.headers['x-keep']).toBe('yes');
    // the first hop did carry them
    expect(a.requestLog[0]!.headers.authorization).toBe('Bearer secret');
    const origins = c.origins().map((o) => o.origin).sort();
    expect(origins).toEqual([a.origin, b.origin].sort());
    expect(c.origins().every((o) => o.completed === 1)).toBe(true);
  });

  it('keeps credentials on a same-origin hop', async () => {
    const a = await fixture();
    const res = await client().request(to(a, 307, `${a.url}/echo`), { headers: { authorization: 'Bearer secret' } });
    expect((await res.json<Echo>()).headers.authorization).toBe('Bearer secret');
  });

  it('gives TOO_MANY_REDIRECTS past the limit', async () => {
    const f = await fixture();
    const c = client({ policy: { maxRedirects: 3 } });
    await expect(c.request(`${f.url}/redirect/302/5`)).rejects.toMatchObject({ code: 'TOO_MANY_REDIRECTS' });
    const ok = await c.request(`${f.url}/redirect/302/3`);
    expect(await ok.text()).toBe('hello world');
    expect(ok.redirects).toHaveLength(3);
  });

  it('catches a loop', async () => {
    const f = await fixture();
    f.route('/loop-a', (_req, res) => res.writeHead(302, { location: '/loop-b' }).end());
    f.route('/loop-b', (_req, res) => res.writeHead(302, { location: '/loop-a' }).end());
    await expect(client().request(`${f.url}/loop-a`)).rejects.toMatchObject({ code: 'TOO_MANY_REDIRECTS', message: expect.stringContaining('loop') });
    expect(f.requests).toBe(2);
  });

  it('refuses https → http with REDIRECT_REFUSED unless allowed', async () => {
    const secure = await fixture({ tls: true });
    const plain = await fixture();
    const c = client({ tls: { ca: secure.ca } });
    await expect(c.request(to(secure, 302, `${plain.url}/hello`))).rejects.toMatchObject({ code: 'REDIRECT_REFUSED' });
    expect(plain.requests).toBe(0);
    const allowed = await c.request(to(secure, 302, `${plain.url}/hello`), { allowInsecureRedirects: true });
    expect(await allowed.text()).toBe('hello world');
  });

  it('returns the 3xx as it is when redirects are off (maxRedirects 0)', async () => {
    const f = await fixture();
    const res = await client().request(`${f.url}/redirect/301/1`, { maxRedirects: 0 });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBeDefined();
    await res.body.dump();
  });
});
