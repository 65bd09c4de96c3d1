// Eryx `HttpConnection` conformance, part 1: the constructor (A.1), the methods (A.2) and the
// seed doc's example, over HTTP and HTTPS fixture origins.
import { describe, expect, it, vi } from 'vitest';
import { createEryxHttp, eryx } from '../../index.ts';
import { closedPort, httpOrigin, patternBytes, testClient, unroutableConnectTarget } from '../../testing/fixtures.ts';
import { onTestFinished } from 'vitest';

async function facade(ca?: string) {
  return createEryxHttp(testClient(), ca ? { tls: { ca } } : {});
}

describe('Eryx doc example', () => {
  it('HttpConnection.new(host, 443, nil, "https"); request; getResponse; close', async () => {
    const origin = await httpOrigin({ tls: true });
    const http = await facade(origin.ca);
    const conn = http.HttpConnection.new('localhost', origin.port, null, 'https');
    await conn.request('GET', '/hello');
    const resp = await conn.getResponse();
    expect([resp.status, resp.body]).toEqual([200, 'hello world']);
    conn.close();
  });
});

describe('Eryx HttpConnection.new (A.1)', () => {
  it('port defaults to 443 for https and 80 otherwise; nothing is opened yet', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    expect(http.HttpConnection.new('example.test', null, null, 'https').port).toBe(443);
    expect(http.HttpConnection.new('example.test').port).toBe(80);
    expect(http.HttpConnection.new('example.test', null, null, 'ftp').port).toBe(80);
    http.HttpConnection.new('127.0.0.1', origin.port);
    expect(origin.connections).toBe(0);
    expect(() => http.HttpConnection.new('bad host')).toThrow(/host/);
    expect(() => http.HttpConnection.new('h', 70000)).toThrow(/port/);
  });

  it('any scheme but "https" is plain TCP', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port, null, 'HTTP');
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).body).toBe('hello world');
    conn.close();
  });

  it('verifySsl defaults to true: an unknown CA fails the connect; false skips verification', async () => {
    const origin = await httpOrigin({ tls: true });
    const http = await facade();
    const strict = http.HttpConnection.new('127.0.0.1', origin.port, 5, 'https');
    await expect(strict.connect()).rejects.toMatchObject({ code: 'TLS_ERROR' });
    const lax = http.HttpConnection.new('127.0.0.1', origin.port, 5, 'https', false);
    await lax.request('GET', '/hello');
    expect((await lax.getResponse()).status).toBe(200);
    lax.close();
  });

  it('the module default: eryx.HttpConnection.new works without a facade', async () => {
    const origin = await httpOrigin();
    const conn = eryx.HttpConnection.new('127.0.0.1', origin.port, 5);
    onTestFinished(() => conn.close());
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).status).toBe(200);
  });

  it('timeout: a number applies to every phase; a table is copied; bad values are refused', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    onTestFinished(() => held.release());
    const http = await facade();
    const table = { read: 0.2 };
    const conn = http.HttpConnection.new('127.0.0.1', origin.port, table);
    table.read = 1000; // the connection kept its own copy
    await conn.request('GET', '/held');
    await expect(conn.getResponse()).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });
    const byNumber = http.HttpConnection.new('127.0.0.1', origin.port, 0.2);
    await byNumber.request('GET', '/held');
    await expect(byNumber.getResponse()).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });
    expect(() => http.HttpConnection.new('h', 80, -1)).toThrow(/seconds/);
  });
});

describe('Eryx HttpConnection methods (A.2)', () => {
  it('connect() opens once; errors propagate', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    await conn.connect();
    await conn.connect();
    await origin.waitForConnections(1);
    expect(origin.connections).toBe(1);
    conn.close();
    const port = await closedPort();
    await expect(http.HttpConnection.new('127.0.0.1', port).connect()).rejects.toMatchObject({ code: 'CONNECT_REFUSED' });
  });

  it('the connect timeout bounds the TCP handshake', async () => {
    const target = await unroutableConnectTarget();
    expect(target).not.toBeNull();
    onTestFinished(() => target!.close());
    // The client's own connect timeout is far beyond the test's watchdog: only Eryx's can end it.
    const http = createEryxHttp(testClient({ policy: { connectTimeoutMs: 600_000 } }));
    const conn = http.HttpConnection.new(target!.host, target!.port, { connect: 0.3 });
    await expect(conn.connect()).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
  });

  it('requests share one persistent connection; close() is safe twice and the next request reconnects', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    for (let i = 0; i < 3; i += 1) {
      await conn.request('GET', '/hello');
      expect((await conn.getResponse()).body).toBe('hello world');
    }
    expect(origin.connections).toBe(1);
    conn.close();
    conn.close();
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).status).toBe(200);
    expect(origin.connections).toBe(2);
    conn.close();
  });

  it('setTimeouts replaces the timeouts (applied from the next socket operation); nil clears them', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    conn.setTimeouts({ read: 0.2, write: 7 });
    await conn.request('GET', '/held');
    await expect(conn.getResponse()).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });
    conn.setTimeouts(null);
    await conn.request('GET', '/held');
    const response = conn.getResponse();
    await held.waitForArrivals(2);
    held.release();
    expect((await response).status).toBe(404);
    conn.close();
  });

  it('getResponseStream: read(n), readAll(), and close() drains so the connection is reused', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('GET', '/bytes/200000');
    const stream = await conn.getResponseStream();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-length']).toBe('200000');
    const first = await stream.read(1000);
    expect(first!.equals(patternBytes(1000))).toBe(true);
    const rest = await stream.readAll();
    expect(Buffer.concat([first!, rest]).equals(patternBytes(200000))).toBe(true);
    expect(await stream.read()).toBeNull();
    await conn.request('GET', '/bytes/100000');
    const second = await conn.getResponseStream();
    expect((await second.read(10))!.length).toBe(10);
    await expect(conn.request('GET', '/hello')).rejects.toThrow('Cannot send a new request while a response stream is still open');
    await second.close();
    expect(second.closed).toBe(true);
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).body).toBe('hello world');
    expect(origin.connections).toBe(1);
    conn.close();
  });

  it('close() marks an open stream closed', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('GET', '/bytes/100000');
    const stream = await conn.getResponseStream();
    conn.close();
    expect(stream.closed).toBe(true);
    expect(await stream.read()).toBeNull();
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).status).toBe(200);
    conn.close();
  });

  it('getResponse with no request sent is refused', async () => {
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', 9);
    await expect(conn.getResponse()).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a keep-alive socket the server closed while idle is replaced on the next request', async () => {
    const origin = await httpOrigin();
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('GET', '/hello');
    await conn.getResponse();
    expect(conn.connected).toBe(true);
    await origin.closeAllConnections();
    // The FIN reaches the client a moment after the server's socket is gone.
    await vi.waitFor(() => expect(conn.connected).toBe(false), { timeout: 10_000, interval: 5 });
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).status).toBe(200);
    expect(origin.connections).toBe(2);
    conn.close();
  });

  it('the write timeout bounds each write: a server that never reads stalls the upload', async () => {
    const { rawOrigin } = await import('../../testing/fixtures.ts');
    const deaf = await rawOrigin(() => {
      // Never reads: the kernel buffers fill and the client's writes stop completing.
    });
    const http = await facade();
    const conn = http.HttpConnection.new('127.0.0.1', deaf.port, { write: 0.3 });
    let produced = 0;
    const piece = Buffer.alloc(64 * 1024, 1);
    const reader = {
      read: () => {
        if (produced >= 256 * 1024 * 1024) return null;
        produced += piece.length;
        return piece;
      },
    };
    await expect(conn.request('POST', '/upload', null, null, false, reader)).rejects.toMatchObject({ code: 'BODY_TIMEOUT' });
    expect(produced).toBeLessThan(256 * 1024 * 1024);
    conn.close();
  });
});
