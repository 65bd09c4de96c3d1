import { createClient, type Client } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, dualStackLookup, startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { until } from '../harness/index.ts';

const fixture = (options?: Parameters<typeof startHttpFixture>[0]): Promise<HttpFixture> => forThisTest(startHttpFixture(options));

function client(options?: Parameters<typeof createClient>[0]): Client {
  const c = createClient(options);
  onTestFinished(() => c.destroy());
  return c;
}

describe('connection reuse', () => {
  it('runs 1,000 sequential GETs over one TCP connection', async () => {
    const f = await fixture();
    const c = client();
    for (let i = 0; i < 1000; i++) {
      const res = await c.request(`${f.url}/hello?i=${i}`);
      expect(await res.text()).toBe('hello world');
    }
    expect(f.requests).toBe(1000);
    expect(f.connections).toBe(1);
    expect(c.origins()[0]).toMatchObject({ completed: 1000, sockets: { connected: 1 } });
  });

  it('runs 200 concurrent GETs over at most `connections` sockets', async () => {
    const f = await fixture();
    const c = client({ policy: { connections: 10 } });
    const bodies = await Promise.all(Array.from({ length: 200 }, (_, i) => c.request(`${f.url}/bytes/100?i=${i}`).then((r) => r.bytes())));
    expect(bodies.every((b) => b.length === 100)).toBe(true);
    expect(f.requests).toBe(200);
    expect(f.connections).toBeLessThanOrEqual(10);
    expect(f.maxInFlight).toBeLessThanOrEqual(10);
  });

  it('queues requests beyond the cap and reports them in the snapshot', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const c = client({ policy: { connections: 2 } });
    const pending = Array.from({ length: 5 }, () => c.request(`${f.url}/held`).then((r) => r.text()));
    await latch.waitForArrivals(2);
    const snap = c.origins()[0]!;
    expect(snap.inFlight).toBe(2);
    expect(snap.queued).toBe(3);
    expect(snap.state).toBe('active');
    latch.release();
    expect(await Promise.all(pending)).toEqual(Array(5).fill(expect.any(String)));
    expect(f.connections).toBe(2);
  });
});

describe('hasConnection', () => {
  it('follows the socket: false before, true from connect while busy and idle, false after closeConnections', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const c = client();
    expect(c.hasConnection(f.url)).toBe(false);
    const pending = c.request(`${f.url}/held`);
    await latch.waitForArrivals(1);
    // busy: the request is held by the server, the socket is connected and reusable
    expect(c.hasConnection(`${f.url}/any/path?q=1`)).toBe(true);
    latch.release();
    await (await pending).text();
    expect(c.hasConnection(f.url)).toBe(true); // idle keep-alive
    await c.closeConnections();
    expect(c.hasConnection(f.url)).toBe(false);
    await f.until((x) => x.openConnections === 0);
  });

  it('is false for https when only a plain-HTTP socket exists, and for a host spelled differently', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    expect(c.hasConnection(f.url)).toBe(true);
    expect(c.hasConnection(f.url.replace('http:', 'https:'))).toBe(false);
    expect(c.hasConnection(`http://localhost:${f.port}`)).toBe(false);
  });

  it('turns false when the server closes the idle socket', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    expect(c.hasConnection(f.url)).toBe(true);
    await f.closeAllConnections();
    await until(() => c.hasConnection(f.url) === false, 'the socket no longer reusable', 10_000, 10);
    expect(c.origins()[0]!.sockets.connected).toBe(0);
  });

  it('turns false after idle eviction, and the registry lets go of the actor', async () => {
    const f = await fixture();
    const c = client({ policy: { keepAliveTimeoutMs: 50, idleEvictionMs: 50 } });
    await (await c.request(`${f.url}/hello`)).text();
    expect(c.size).toBe(1);
    await until(() => c.size === 0, 'no origin left', 10_000, 10);
    expect(c.hasConnection(f.url)).toBe(false);
    expect(c.origins()).toEqual([]);
  });
});

describe('per-request socket options', () => {
  it('dontReuse opens a new socket even when an idle one exists', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    await (await c.request(`${f.url}/hello`, { dontReuse: true })).text();
    expect(f.connections).toBe(2);
    expect(f.requestLog[0]!.socketId).not.toBe(f.requestLog[1]!.socketId);
  });

  it('dontMakeReusable closes the new socket after its request', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`, { dontMakeReusable: true })).text();
    expect(f.requestLog[0]!.headers.connection).toBe('close');
    expect(c.hasConnection(f.url)).toBe(false);
    await f.until((x) => x.openConnections === 0);
    await (await c.request(`${f.url}/hello`)).text();
    expect(f.connections).toBe(2);
    expect(c.hasConnection(f.url)).toBe(true);
  });

  it('preferIpv6 reaches the server on ::1 first when localhost resolves to both', async () => {
    const v6 = await fixture({ host: '::1' });
    // The same port on 127.0.0.1 may be free or taken; either way the v6 server must be chosen.
    const c = client({ lookup: dualStackLookup });
    const res = await c.request(`http://localhost:${v6.port}/hello`, { preferIpv6: true });
    expect(await res.text()).toBe('hello world');
    expect(v6.requestLog[0]!.remoteAddress).toBe('::1');
  });

  it('without preferIpv6 tries IPv4 first', async () => {
    const v4 = await fixture({ host: '127.0.0.1' });
    const c = client({ lookup: dualStackLookup });
    await (await c.request(`http://localhost:${v4.port}/hello`)).text();
    expect(v4.requestLog[0]!.remoteAddress).toBe('127.0.0.1');
  });
});

describe('stale sockets', () => {
  it('a keep-alive socket closed by the server between two requests: the second succeeds on a fresh socket', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    await f.closeAllConnections();
    const res = await c.request(`${f.url}/hello`);
    expect(await res.text()).toBe('hello world');
    expect(f.connections).toBe(2);
  });
});

describe('closeConnections', () => {
  it('resolves only once the requests in flight at the call have finished; new requests run on one-off sockets', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const c = client();
    const held = c.request(`${f.url}/held`).then((r) => r.text());
    await latch.waitForArrivals(1);
    let closed = false;
    const closing = c.closeConnections().then(() => {
      closed = true;
    });
    // A request made meanwhile goes out with Connection: close on its own socket.
    await (await c.request(`${f.url}/hello`)).text();
    expect(f.requestLog[1]!.headers.connection).toBe('close');
    expect(closed).toBe(false);
    latch.release();
    await held;
    await closing;
    expect(closed).toBe(true);
    expect(c.hasConnection(f.url)).toBe(false);
    // Back to normal afterwards: the next socket is kept alive.
    await (await c.request(`${f.url}/hello`)).text();
    expect(c.hasConnection(f.url)).toBe(true);
  });

  it('close() drains and refuses new requests with CLIENT_CLOSED', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    await c.close();
    await expect(c.request(`${f.url}/hello`)).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(c.size).toBe(0);
  });

  it('destroy() aborts in-flight requests with ABORTED', async () => {
    const f = await fixture();
    f.hold('/held');
    const c = createClient();
    const pending = c.request(`${f.url}/held`);
    await f.waitForRequests(1);
    await c.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('watchOrigin (the inspector)', () => {
  it('reports transitions while watched, and nothing after unsubscribing', async () => {
    const f = await fixture();
    const c = client();
    await (await c.request(`${f.url}/hello`)).text();
    const seen: string[] = [];
    const off = c.watchOrigin(f.url, (t) => seen.push(`${t.from}→${t.to}`));
    await f.closeAllConnections();
    await until(() => seen.includes('available→idle'), 'the available→idle transition', 10_000, 10);
    off();
    const before = seen.length;
    await (await c.request(`${f.url}/hello`)).text();
    expect(seen.length).toBe(before);
  });
});

describe('aborting a queued request', () => {
  it('takes it out of the queue with ABORTED; the others run', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const c = client({ policy: { connections: 1 } });
    const first = c.request(`${f.url}/held`).then((r) => r.text());
    await latch.waitForArrivals(1);
    const ac = new AbortController();
    const queued = c.request(`${f.url}/hello`, { signal: ac.signal });
    const third = c.request(`${f.url}/hello`).then((r) => r.text());
    expect(c.origins()[0]!.queued).toBe(2);
    ac.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ABORTED' });
    expect(c.origins()[0]!.queued).toBe(1);
    latch.release();
    expect(await first).toBeTypeOf('string');
    expect(await third).toBe('hello world');
    expect(f.requests).toBe(2);
  });
});
