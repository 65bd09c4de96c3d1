import net from 'node:net';
import { createClient, proxyFromEnv } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture } from '../fixtures/index.ts';

/** A loopback CONNECT proxy that tunnels to loopback targets only and records what it was asked. */
async function startConnectProxy(options: { requireAuth?: string } = {}) {
  const connects: Array<{ authority: string; auth: string | undefined }> = [];
  const server = net.createServer((client) => {
    client.on('error', () => {});
    client.once('data', (head) => {
      const text = head.toString('latin1');
      const authority = /^CONNECT (\S+) HTTP\/1\.1/.exec(text)?.[1] ?? '';
      const auth = /\r\nProxy-Authorization: ([^\r]+)/i.exec(text)?.[1];
      connects.push({ authority, auth });
      if (options.requireAuth && auth !== options.requireAuth) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const [host, port] = [authority.slice(0, authority.lastIndexOf(':')), Number(authority.slice(authority.lastIndexOf(':') + 1))];
      if (host !== '127.0.0.1' && host !== 'localhost') {
        client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const upstream = net.connect({ host: '127.0.0.1', port }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connects };
}

describe('outbound proxy', () => {
  it('tunnels http and https requests through CONNECT, reusing the tunnel', async () => {
    const plain = await startHttpFixture();
    onTestFinished(() => plain.close());
    const secure = await startHttpFixture({ tls: true });
    onTestFinished(() => secure.close());
    const proxy = await startConnectProxy();
    const client = createClient({ proxy: { http: proxy.url, https: proxy.url }, tls: { ca: secure.ca } });
    onTestFinished(() => client.destroy());
    for (let i = 0; i < 3; i++) expect(await (await client.request(`${plain.url}/hello`)).text()).toBe('hello world');
    expect(await (await client.request(`${secure.url}/hello`)).text()).toBe('hello world');
    expect(proxy.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${plain.port}`, `127.0.0.1:${secure.port}`]);
  });

  it('sends proxy credentials and maps a refusal to PROXY_ERROR', async () => {
    const plain = await startHttpFixture();
    onTestFinished(() => plain.close());
    const proxy = await startConnectProxy({ requireAuth: `Basic ${Buffer.from('u:p').toString('base64')}` });
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
    const proxy = await startConnectProxy();
    const options = proxyFromEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' });
    expect(options).toEqual({ http: proxy.url, noProxy: 'example.com, 127.0.0.1' });
    const client = createClient({ proxy: options });
    onTestFinished(() => client.destroy());
    expect((await client.request(`${plain.url}/hello`)).status).toBe(200);
    expect(proxy.connects).toEqual([]);
    expect(proxyFromEnv({})).toBeUndefined();
  });
});
