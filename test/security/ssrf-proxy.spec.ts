// SSRF through an outbound proxy (issue 13 item 1). A proxy resolves the names it is asked for
// itself, so a destination policy that only sees IP literals lets `localhost`, or any name that
// resolves to a private address, through. The client must resolve the name, check the
// addresses, and ask the proxy for a checked address only. The proxy here logs every target it
// is asked for: a refused destination must never appear in it.
import { createClient, type ClientOptions } from '@courier/origin';
import { createDestinationPolicy } from '@courier/worker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startConnectProxy, startHttpFixture, staticLookup, type HttpFixture } from '../fixtures/index.ts';

// 203.0.113.0/24 is TEST-NET-3: a public address to the policy. The proxy dials loopback whatever
// it is asked for, so "the internet" is the test's own fixture.
const PUBLIC = '203.0.113.7';
const lookup = staticLookup({
  'public.test': [PUBLIC],
  'internal.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  // A name that also resolves to loopback: only the allowed address may be tunnelled to.
  'mixed.test': ['127.0.0.1', PUBLIC],
  localhost: ['127.0.0.1', '::1'],
});

async function setup(options: { allow?: string[]; tls?: boolean } = {}) {
  const fixture = await startHttpFixture({ tls: options.tls ?? false });
  onTestFinished(() => fixture.close());
  // The proxy listens on loopback, which the policy refuses: the proxy is the operator's choice
  // and is not subject to it (the allowed cases below go through it).
  const proxy = await startConnectProxy();
  onTestFinished(() => proxy.close());
  const clientOptions: ClientOptions = {
    // The service's policy: loopback, private and link-local refused unless allowed.
    allowAddress: createDestinationPolicy(options.allow ?? []),
    lookup: lookup as NonNullable<ClientOptions['lookup']>,
    proxy: { http: proxy.url, https: proxy.url },
    ...(fixture.ca ? { tls: { ca: fixture.ca } } : {}),
  };
  const client = createClient(clientOptions);
  onTestFinished(() => client.destroy());
  return { fixture, proxy, client };
}

const blocked = { code: 'BLOCKED_DESTINATION' };

function at(fixture: HttpFixture, host: string, path = '/hello'): string {
  return `${fixture.protocol}//${host}:${fixture.port}${path}`;
}

describe('SSRF through an outbound proxy', () => {
  it('http://localhost is refused before the proxy is asked, with a message that names the way out', async () => {
    const { fixture, proxy, client } = await setup();
    await expect(client.request(at(fixture, 'localhost'))).rejects.toMatchObject({
      ...blocked,
      message: 'destination localhost (loopback) is refused by the destination policy (allow it with COURIER_ALLOW_DESTINATIONS)',
    });
    expect(proxy.log).toEqual([]);
    expect(fixture.requests).toBe(0);
  });

  it('https://localhost is refused before the proxy is asked', async () => {
    const { fixture, proxy, client } = await setup({ tls: true });
    await expect(client.request(at(fixture, 'localhost'))).rejects.toMatchObject(blocked);
    expect(proxy.log).toEqual([]);
    expect(fixture.connections).toBe(0);
  });

  it('names that resolve to loopback or link-local (the lookup says so) are refused; so is a name that does not resolve here', async () => {
    const { fixture, proxy, client } = await setup();
    await expect(client.request(at(fixture, 'internal.test'))).rejects.toMatchObject({
      ...blocked,
      message: 'destination internal.test (127.0.0.1) is refused by the destination policy (allow it with COURIER_ALLOW_DESTINATIONS)',
    });
    await expect(client.request(at(fixture, 'metadata.test'))).rejects.toMatchObject(blocked);
    // A name the client cannot resolve cannot be checked: the proxy is not asked to resolve it.
    await expect(client.request(at(fixture, 'nowhere.test'))).rejects.toMatchObject({ code: 'DNS_NO_RESULTS' });
    expect(proxy.log).toEqual([]);
    expect(fixture.requests).toBe(0);
  });

  it('a redirect from an allowed upstream to a name for loopback is refused; the proxy sees only the first hop', async () => {
    const { fixture, proxy, client } = await setup();
    const to = encodeURIComponent(at(fixture, 'internal.test', '/secret'));
    await expect(client.request(at(fixture, 'public.test', `/redirect/302?to=${to}`))).rejects.toMatchObject(blocked);
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`CONNECT ${PUBLIC}:${fixture.port}`]);
    expect(fixture.requestLog.map((r) => r.path)).toEqual([`/redirect/302?to=${to}`]);
  });

  it('an allowed name is tunnelled to its checked address, with the name as Host', async () => {
    const { fixture, proxy, client } = await setup();
    expect(await (await client.request(at(fixture, 'public.test'))).text()).toBe('hello world');
    // mixed.test also resolves to 127.0.0.1: the tunnel goes to the address the policy allowed.
    expect(await (await client.request(at(fixture, 'mixed.test'))).text()).toBe('hello world');
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`CONNECT ${PUBLIC}:${fixture.port}`, `CONNECT ${PUBLIC}:${fixture.port}`]);
    expect(fixture.requestLog.map((r) => r.headers.host)).toEqual([`public.test:${fixture.port}`, `mixed.test:${fixture.port}`]);
  });

  it('an https name allowed by the operator is tunnelled to its address and verified against the name (SNI)', async () => {
    // `localhost` as an allowed host pattern: the certificate is for localhost, not for 127.0.0.1's
    // tunnel, so the handshake only passes when SNI and verification use the name.
    const { fixture, proxy, client } = await setup({ tls: true, allow: ['localhost'] });
    const res = await client.request(at(fixture, 'localhost'));
    expect(await res.text()).toBe('hello world');
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`CONNECT 127.0.0.1:${fixture.port}`]);
    expect(fixture.requestLog[0]?.headers.host).toBe(`localhost:${fixture.port}`);
  });
});
