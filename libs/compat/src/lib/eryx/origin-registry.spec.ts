// Eryx connections in the client's origin registry: the socket is opened by the origin actor
// (`client.adoptSocket`) and counted there, so hasConnection, origins() and closeConnections see
// it, and the client's destination policy and TLS settings apply to it.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Client, OriginSnapshot } from '@courier/origin';
import { createEryxHttp } from '../../index.ts';
import { httpOrigin, testClient } from '../../testing/fixtures.ts';
import type { HttpConnection } from './http-connection.ts';

function snapshotOf(client: Client, origin: string): OriginSnapshot | undefined {
  return client.origins().find((s) => s.origin === origin);
}

function opened(conn: HttpConnection): HttpConnection {
  onTestFinished(() => conn.close());
  return conn;
}

describe('Eryx sockets are the origin actor’s', () => {
  it('hasConnection and origins() see an idle and a busy Eryx connection; close() lets go of it', async () => {
    const origin = await httpOrigin();
    const client = testClient();
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    expect(client.hasConnection(origin.url)).toBe(false);

    await conn.connect();
    expect(client.hasConnection(origin.url)).toBe(true);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 0, sockets: { connected: 1, free: 1, busy: 0, reusable: 1 } });

    const held = origin.hold('/held');
    onTestFinished(() => held.release());
    await conn.request('GET', '/held');
    await held.waitForArrivals(1);
    expect(client.hasConnection(origin.url)).toBe(true);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ state: 'active', inFlight: 1, sockets: { connected: 1, free: 0, busy: 1, reusable: 1 } });
    held.release();
    expect((await conn.getResponse()).status).toBe(404);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 0, completed: 1, sockets: { connected: 1, free: 1, busy: 0 } });

    conn.close();
    expect(client.hasConnection(origin.url)).toBe(false);
    expect(snapshotOf(client, origin.origin)?.sockets.connected).toBe(0);
    expect(origin.connections).toBe(1);
  });

  it('a response stream keeps the socket busy until it is read or closed', async () => {
    const origin = await httpOrigin();
    const client = testClient();
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    await conn.request('GET', '/bytes/100000');
    const stream = await conn.getResponseStream();
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 1, sockets: { busy: 1 } });
    await stream.close();
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 0, completed: 1, sockets: { connected: 1, busy: 0, free: 1 } });
  });

  it('a response that closes the connection makes the socket non-reusable at its head, and releases it at its end', async () => {
    const origin = await httpOrigin();
    origin.route('/closing', (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const client = testClient();
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    await conn.request('GET', '/closing');
    const stream = await conn.getResponseStream();
    expect(client.hasConnection(origin.url)).toBe(false);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ sockets: { connected: 1, busy: 1, reusable: 0 } });
    expect((await stream.readAll()).toString()).toBe('bye');
    expect(conn.connected).toBe(false);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 0, sockets: { connected: 0 } });
  });

  it("the client's TLS settings open an https Eryx socket, counted under the client's key", async () => {
    const origin = await httpOrigin({ tls: true });
    const client = testClient({ tls: { ca: origin.ca! } });
    // No TLS material on the facade: the client's CA verifies the fixture.
    const conn = opened(createEryxHttp(client).HttpConnection.new('localhost', origin.port, 10, 'https'));
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).body).toBe('hello world');
    expect(client.hasConnection(`https://localhost:${origin.port}`)).toBe(true);
  });

  it('the destination policy applies: a refused address is BLOCKED_DESTINATION and nothing connects', async () => {
    const origin = await httpOrigin();
    const client = testClient({ allowAddress: () => false });
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    await expect(conn.connect()).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
    await expect(conn.request('GET', '/hello')).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
    const byName = opened(createEryxHttp(client).HttpConnection.new('localhost', origin.port, 10));
    await expect(byName.request('GET', '/hello')).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
    expect(conn.connected).toBe(false);
    expect(origin.connections).toBe(0);
  });

  it('closeConnections drops an idle Eryx socket; the next request opens a new one', async () => {
    const origin = await httpOrigin();
    const client = testClient();
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    await conn.request('GET', '/hello');
    await conn.getResponse();
    expect(conn.connected).toBe(true);
    await client.closeConnections(origin.url);
    expect(conn.connected).toBe(false);
    expect(client.hasConnection(origin.url)).toBe(false);
    await conn.request('GET', '/hello');
    expect((await conn.getResponse()).body).toBe('hello world');
    expect(origin.connections).toBe(2);
    expect(origin.requestLog[1]!.socketId).not.toBe(origin.requestLog[0]!.socketId);
  });

  it('closeConnections makes a busy Eryx socket non-reusable without cutting its response', async () => {
    const origin = await httpOrigin();
    const client = testClient();
    const conn = opened(createEryxHttp(client).HttpConnection.new('127.0.0.1', origin.port, 10));
    const held = origin.hold('/held');
    onTestFinished(() => held.release());
    await conn.request('GET', '/held');
    await held.waitForArrivals(1);
    // Not awaited: origin does not count an adopted socket's busy → idle towards the drain that
    // closeConnections waits for; destroy() at the end settles it.
    client.closeConnections(origin.url).catch(() => {});
    expect(client.hasConnection(origin.url)).toBe(false);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 1, sockets: { connected: 1, busy: 1, reusable: 0 } });
    held.release();
    expect((await conn.getResponse()).status).toBe(404);
    expect(snapshotOf(client, origin.origin)).toMatchObject({ inFlight: 0, sockets: { busy: 0 } });
  });
});
