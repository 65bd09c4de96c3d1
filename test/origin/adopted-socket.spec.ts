import { createClient } from '@courier/origin';
import { expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

it('an adopted socket is opened through the origin connector and counted by its actor', async () => {
  const f = await forThisTest(startHttpFixture({ tls: true }));
  const c = createClient({ tls: { ca: f.ca } });
  onTestFinished(() => c.destroy());
  expect(c.hasConnection(f.url)).toBe(false);
  const adopted = await c.adoptSocket(f.url);
  expect(c.hasConnection(f.url)).toBe(true);
  expect(c.origins()[0]).toMatchObject({ state: 'available', sockets: { connected: 1, free: 1, busy: 0, reusable: 1 } });

  adopted.setBusy(true);
  expect(c.origins()[0]).toMatchObject({ state: 'active', inFlight: 1, sockets: { busy: 1 } });
  const reply = new Promise<string>((resolve) => {
    let text = '';
    adopted.socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('hello world')) resolve(text);
    });
  });
  adopted.socket.write(`GET /hello HTTP/1.1\r\nHost: ${f.host}:${f.port}\r\n\r\n`);
  expect(await reply).toMatch(/^HTTP\/1\.1 200/);
  adopted.setBusy(false);
  expect(c.origins()[0]).toMatchObject({ inFlight: 0, completed: 1 });

  // a server-side close releases it
  await f.closeAllConnections();
  await new Promise((r) => adopted.socket.once('close', r));
  expect(c.hasConnection(f.url)).toBe(false);
  expect(c.origins()[0]!.sockets.connected).toBe(0);
});

it('the destination policy applies to adopted sockets too', async () => {
  const f = await forThisTest(startHttpFixture());
  const c = createClient({ allowAddress: () => false });
  onTestFinished(() => c.destroy());
  await expect(c.adoptSocket(f.url)).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
  expect(f.connections).toBe(0);
});

it('closeConnections retires a busy adopted socket without waiting for it; close/destroy close adopted sockets', async () => {
  const f = await forThisTest(startHttpFixture());
  const c = createClient();
  onTestFinished(() => c.destroy());
  const busy = await c.adoptSocket(f.url);
  busy.setBusy(true);
  const idle = await c.adoptSocket(f.url);
  const idleClosed = new Promise((r) => idle.socket.once('close', r));
  await c.closeConnections(f.url);
  await idleClosed;
  expect(busy.reusable).toBe(false);
  expect(c.hasConnection(f.url)).toBe(false);
  const busyClosed = new Promise((r) => busy.socket.once('close', r));
  busy.setBusy(false); // retired: closed once idle
  await busyClosed;
  const later = await c.adoptSocket(f.url);
  const laterClosed = new Promise((r) => later.socket.once('close', r));
  await c.destroy();
  await laterClosed;
});

it('adopts a socket to an IPv6 literal origin', async () => {
  const f = await forThisTest(startHttpFixture({ host: '::1' }));
  const c = createClient();
  onTestFinished(() => c.destroy());
  const a = await c.adoptSocket(f.url);
  expect(a.socket.remoteAddress).toBe('::1');
  expect(c.hasConnection(f.url)).toBe(true);
  a.socket.destroy();
});
