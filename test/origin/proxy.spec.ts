import { createClient, proxyFromEnv } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startConnectProxy, startHttpFixture } from '../fixtures/index.ts';

async function connectProxy(options: { requireAuth?: string } = {}) {
  const proxy = await startConnectProxy(options);
  onTestFinished(() => proxy.close());
  return proxy;
}

describe('outbound proxy', () => {
  it('tunnels http and https requests through CONNECT, reusing the tunnel', async () => {
    const plain = await startHttpFixture();
    onTestFinished(() => plain.close());
    const secure = await startHttpFixture({ tls: true });
    onTestFinished(() => secure.close());
    const proxy = await connectProxy();
    const client = createClient({ proxy: { http: proxy.url, https: proxy.url }, tls: { ca: secure.ca } });
    onTestFinished(() => client.destroy());
    for (let i = 0; i < 3; i++) expect(await (await client.request(`${plain.url}/hello`)).text()).toBe('hello world');
    expect(await (await client.request(`${secure.url}/hello`)).text()).toBe('hello world');
    expect(proxy.log.map((c) => `${c.method} ${c.target}`)).toEqual([`CONNECT 127.0.0.1:${plain.port}`, `CONNECT 127.0.0.1:${secure.port}`]);
  });

  it('sends proxy credentials and maps a refusal to PROXY_ERROR', async () => {
    const plain = await startHttpFixture();
    onTestFinished(() => plain.close());
    const proxy = await connectProxy({ requireAuth: `Basic ${Buffer.from('u:p').toString('base64')}` });
    const good = createClient({ proxy: { http: proxy.url.replace('http://', 'http://u:p@') } });
    onTestFinished(() => good.destroy());
    expect((await good.request(`${plain.url}/hello`)).status).toBe(200);
    const bad = createClient({ proxy: { http: proxy.url } });
    onTestFinished(() => bad.destroy());
    await expect(bad.request(`${plain.url}/hello`)).rejects.toMatchObject({ code: 'PROXY_ERROR', details: { status: 407 } });
  });

  it('NO_PROXY bypasses the proxy; proxyFromEnv reads the environment', async () => {
    const plain = await startHttpFixture();
    onTestFinished(() => plain.close());
    const proxy = await connectProxy();
    const options = proxyFromEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' });
    expect(options).toEqual({ http: proxy.url, noProxy: 'example.com, 127.0.0.1' });
    const client = createClient({ proxy: options });
    onTestFinished(() => client.destroy());
    expect((await client.request(`${plain.url}/hello`)).status).toBe(200);
    expect(proxy.log).toEqual([]);
    expect(proxyFromEnv({})).toBeUndefined();
  });
});
