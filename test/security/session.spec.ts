// The session cookie plays the attacker's game: a cookie copied before logout, a cookie kept past
// its expiry, and an https proxy in front of the server (issue 13, "also found").
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, serverDefaults as defaults } from '@courier/server';
import { buildTestApp, json } from '@courier/server/testing';

const token = 'security-token-0123456789';

/** The Set-Cookie header of an answer (exactly one expected). */
function setCookieOf(headers: Record<string, unknown>): string {
  const value = headers['set-cookie'];
  const list = Array.isArray(value) ? value : [value];
  expect(list).toHaveLength(1);
  expect(typeof list[0]).toBe('string');
  return list[0] as string;
}

const pairOf = (setCookie: string) => setCookie.split(';')[0]!;
const attributesOf = (setCookie: string) => setCookie.split(';').slice(1).map((a) => a.trim().toLowerCase());

afterEach(() => {
  vi.useRealTimers();
});

describe('session cookies', () => {
  it('a cookie stops working at logout, even when the browser (or a thief) keeps sending it', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const signedIn = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    expect(signedIn.statusCode).toBe(200);
    const cookie = pairOf(setCookieOf(signedIn.headers));
    expect((await app.inject({ url: '/v1/origins', headers: { cookie } })).statusCode).toBe(200);

    const loggedOut = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(loggedOut.statusCode).toBe(200);
    const replayed = await app.inject({ url: '/v1/origins', headers: { cookie } });
    expect(replayed.statusCode).toBe(401);
    expect(json<{ error: { code: string } }>(replayed).error.code).toBe('UNAUTHORIZED');
    // Another session is not touched by that logout.
    const other = pairOf(setCookieOf((await app.inject({ method: 'POST', url: '/v1/session', payload: { token } })).headers));
    expect(other).not.toBe(cookie);
    expect((await app.inject({ url: '/v1/origins', headers: { cookie: other } })).statusCode).toBe(200);
  });

  it('a cookie is refused with 401 once its session has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const { app } = await buildTestApp({ token, worker: false });
    const cookie = pairOf(setCookieOf((await app.inject({ method: 'POST', url: '/v1/session', payload: { token } })).headers));
    vi.setSystemTime(start + defaults.sessionTtlSeconds * 1000 - 1_000);
    expect((await app.inject({ url: '/v1/origins', headers: { cookie } })).statusCode).toBe(200);
    vi.setSystemTime(start + defaults.sessionTtlSeconds * 1000 + 1);
    const expired = await app.inject({ url: '/v1/origins', headers: { cookie } });
    expect(expired.statusCode).toBe(401);
    expect(json<{ error: { message: string } }>(expired).error.message).toMatch(/session expired/);
  });

  it('a forged cookie value, in the format the stateless sessions used, is refused', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    for (const value of [`${Date.now() + 3_600_000}.${'A'.repeat(43)}`, 'A'.repeat(43), '']) {
      expect((await app.inject({ url: '/v1/origins', headers: { cookie: `courier_session=${value}` } })).statusCode, value).toBe(401);
    }
  });
});

describe('Secure cookies behind an https proxy (COURIER_TRUST_PROXY)', () => {
  const viaHttpsProxy = { 'x-forwarded-proto': 'https' };

  it('with the proxy trusted, X-Forwarded-Proto: https gives a Secure cookie (and a Secure logout)', async () => {
    const { app } = await buildTestApp({ token, worker: false, config: { trustProxy: true } });
    const signedIn = await app.inject({ method: 'POST', url: '/v1/session', headers: viaHttpsProxy, payload: { token } });
    const setCookie = setCookieOf(signedIn.headers);
    expect(attributesOf(setCookie)).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict']));
    const loggedOut = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { ...viaHttpsProxy, cookie: pairOf(setCookie) } });
    expect(attributesOf(setCookieOf(loggedOut.headers))).toContain('secure');
    // Over plain http through the same proxy: no Secure, or the browser would drop the cookie.
    const plain = await app.inject({ method: 'POST', url: '/v1/session', headers: { 'x-forwarded-proto': 'http' }, payload: { token } });
    expect(attributesOf(setCookieOf(plain.headers))).not.toContain('secure');
  });

  it('with a list of proxy addresses, only those peers are believed (inject comes from 127.0.0.1)', async () => {
    const trusted = await buildTestApp({ token, worker: false, config: { trustProxy: ['127.0.0.1/8'] } });
    const viaTrusted = await trusted.app.inject({ method: 'POST', url: '/v1/session', headers: viaHttpsProxy, payload: { token } });
    expect(attributesOf(setCookieOf(viaTrusted.headers))).toContain('secure');
    const other = await buildTestApp({ token, worker: false, config: { trustProxy: ['10.0.0.1'] } });
    const viaOther = await other.app.inject({ method: 'POST', url: '/v1/session', headers: viaHttpsProxy, payload: { token } });
    expect(attributesOf(setCookieOf(viaOther.headers))).not.toContain('secure');
  });

  it('without trust proxy (the default), X-Forwarded-Proto is ignored: a client cannot claim https', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const signedIn = await app.inject({ method: 'POST', url: '/v1/session', headers: viaHttpsProxy, payload: { token } });
    expect(signedIn.statusCode).toBe(200);
    expect(attributesOf(setCookieOf(signedIn.headers))).not.toContain('secure');
  });

  it('COURIER_TRUST_PROXY is validated: false by default, true, or addresses/CIDRs; anything else names the variable', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ COURIER_TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(loadConfig({ COURIER_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ COURIER_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
    for (const bad of ['yes', '1', 'proxy.example', '10.0.0.1/33', ',']) {
      expect(() => loadConfig({ COURIER_TRUST_PROXY: bad }), bad).toThrow(/^COURIER_TRUST_PROXY: /);
    }
  });
});
