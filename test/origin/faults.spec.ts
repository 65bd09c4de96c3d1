import net from 'node:net';
import { createClient, type Client, type OriginPolicy } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, startRawFixture, unroutableConnectTarget, type RawConnectionHandler, type RawFixture } from '../fixtures/index.ts';

function client(policy?: Partial<OriginPolicy>, tls?: Parameters<typeof createClient>[0] extends infer O ? O extends { tls?: infer T } ? T : never : never): Client {
  const c = createClient({ policy, tls });
  onTestFinished(() => c.destroy());
  return c;
}

const raw = (handler: RawConnectionHandler): Promise<RawFixture> => forThisTest(startRawFixture(handler));

/** A raw origin that answers each request with the given bytes (then does what `after` says). */
function answer(bytes: string | Buffer, after: 'keep' | 'end' = 'keep'): RawConnectionHandler {
  return (socket, ctx) => {
    ctx.readRequest().then(
      () => {
        socket.write(bytes);
        if (after === 'end') socket.end();
      },
      () => {},
    );
  };
}

// Watchdogs at ~10× the configured timeouts: the assertion is the code, never the duration.
const T = 200;

describe('faults map to their own code', () => {
  it('nothing listens → CONNECT_REFUSED', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(client().request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'CONNECT_REFUSED' });
  });

  it('no SYN-ACK within the connect timeout → CONNECT_TIMEOUT', async () => {
    const target = await unroutableConnectTarget();
    expect(target, 'this platform cannot make a connect hang on loopback').not.toBeNull();
    onTestFinished(() => target!.close());
    await expect(client({ connectTimeoutMs: T }).request(target!.url)).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
  }, T * 50);

  it('no response head within the headers timeout → HEADERS_TIMEOUT', async () => {
    const f = await raw((_socket, ctx) => void ctx.readRequest().catch(() => {}));
    await expect(client({ headersTimeoutMs: T }).request(f.url)).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });
  });

  it('a body that stalls → BODY_TIMEOUT while reading', async () => {
    const f = await raw(answer('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'));
    const res = await client({ bodyTimeoutMs: T }).request(f.url);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toMatchObject({ code: 'BODY_TIMEOUT' });
  });

  it('the whole exchange over the total timeout → TOTAL_TIMEOUT', async () => {
    const f = await forThisTest(startHttpFixture());
    f.hold('/held');
    await expect(client({ totalTimeoutMs: T }).request(`${f.url}/held`)).rejects.toMatchObject({ code: 'TOTAL_TIMEOUT' });
  });

  it('RST mid-body → CONNECTION_RESET', async () => {
    // Reset only once the client holds the response head, so the RST cannot overtake the data.
    let reset: () => void = () => {};
    const headReceived = new Promise<void>((r) => (reset = r));
    const f = await raw((socket, ctx) => {
      ctx.readRequest().then(async () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789');
        await headReceived;
        socket.resetAndDestroy();
      }, () => {});
    });
    const res = await client().request(f.url);
    expect(res.status).toBe(200);
    const outcome = res.text();
    reset();
    await expect(outcome).rejects.toMatchObject({ code: 'CONNECTION_RESET' });
  });

  it('clean close before the declared end → CLOSED_PREMATURELY', async () => {
    const f = await raw(answer('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789', 'end'));
    const res = await client().request(f.url);
    await expect(res.text()).rejects.toMatchObject({ code: 'CLOSED_PREMATURELY' });
  });

  it('broken chunked encoding → PROTOCOL_ERROR', async () => {
    const f = await raw(answer('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nbroken\r\n'));
    const outcome = client().request(f.url).then((r) => r.text());
    await expect(outcome).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('malformed status line → PROTOCOL_ERROR', async () => {
    const f = await raw(answer('HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n'));
    await expect(client().request(f.url)).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('conflicting content-length headers → PROTOCOL_ERROR', async () => {
    const f = await raw(answer('HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!'));
    await expect(client().request(f.url).then((r) => r.text())).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('response head over the limit → HEADERS_TOO_LARGE', async () => {
    const f = await forThisTest(startHttpFixture());
    await expect(client({ maxHeaderBytes: 4096 }).request(`${f.url}/big-headers/20000`)).rejects.toMatchObject({ code: 'HEADERS_TOO_LARGE' });
  });

  it('declared body over the limit → BODY_TOO_LARGE before reading', async () => {
    const f = await forThisTest(startHttpFixture());
    await expect(client({ maxResponseBytes: 1000 }).request(`${f.url}/bytes/5000`)).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('chunked body growing over the limit → BODY_TOO_LARGE while reading', async () => {
    const f = await forThisTest(startHttpFixture());
    const c = client({ maxResponseBytes: 1000 });
    const outcome = c.request(`${f.url}/bytes/50000?chunked=1`).then((r) => r.bytes());
    await expect(outcome).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    // The origin stays usable afterwards.
    expect(await (await c.request(`${f.url}/hello`)).text()).toBe('hello world');
  });

  it('untrusted certificate → TLS_ERROR; with the CA it succeeds', async () => {
    const f = await forThisTest(startHttpFixture({ tls: true }));
    await expect(client().request(`${f.url}/hello`)).rejects.toMatchObject({ code: 'TLS_ERROR' });
    const res = await client(undefined, { ca: f.ca }).request(`${f.url}/hello`);
    expect(await res.text()).toBe('hello world');
  });

  it('an AbortSignal aborts with ABORTED, before or during the exchange', async () => {
    const f = await forThisTest(startHttpFixture());
    f.hold('/held');
    const c = client();
    await expect(c.request(`${f.url}/hello`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    const ac = new AbortController();
    const pending = c.request(`${f.url}/held`, { signal: ac.signal });
    await f.waitForRequests(1);
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('one AbortSignal shared by many requests aborts the ones in flight, not those that finished', async () => {
    const f = await forThisTest(startHttpFixture());
    f.hold('/held');
    const c = client({ connections: 4 });
    const ac = new AbortController();
    // Requests that finished under the signal must not be touched by its abort later.
    for (let i = 0; i < 3; i++) expect(await (await c.request(`${f.url}/hello`, { signal: ac.signal })).text()).toBe('hello world');
    const pending = [1, 2, 3].map(() => c.request(`${f.url}/held`, { signal: ac.signal }));
    await f.waitForRequests(6);
    ac.abort();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(c.request(`${f.url}/hello`, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('repeated connect failures open the circuit: CIRCUIT_OPEN fails fast', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const c = client({ circuitThreshold: 3, circuitCooldownMs: 60_000 });
    for (let i = 0; i < 3; i++) await expect(c.request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'CONNECT_REFUSED' });
    await expect(c.request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(c.origins()[0]).toMatchObject({ state: 'backoff', lastError: 'CONNECT_REFUSED' });
  });
});

describe('stale-socket retry is never a silent replay of a non-idempotent request', () => {
  // The origin answers the first request, then reads the second and closes without answering.
  const answerOnceThenDrop: RawConnectionHandler = (socket, ctx) => {
    ctx.readRequest().then(async () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      await ctx.readRequest();
      socket.end();
    }).catch(() => {});
  };

  it('retries an idempotent GET once on a fresh socket', async () => {
    const f = await raw(answerOnceThenDrop);
    const c = client();
    await (await c.request(f.url)).text();
    expect(await (await c.request(f.url)).text()).toBe('ok');
    expect(f.connections).toBe(2);
  });

  it('does not replay a POST the server may have processed', async () => {
    const f = await raw(answerOnceThenDrop);
    const c = client();
    await (await c.request(f.url)).text();
    await expect(c.request(f.url, { method: 'POST', body: 'x' })).rejects.toMatchObject({ code: 'CLOSED_PREMATURELY' });
    expect(f.connections).toBe(1);
  });
});
