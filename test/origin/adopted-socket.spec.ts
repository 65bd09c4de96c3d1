import { createClient } from '@courier/origin';
import { expect, it, onTestFinished } from 'vitest';
import { startHttpFixture } from '../fixtures/index.ts';

it('an adopted socket is opened through the origin connector and counted by its actor', async () => {
  const f = await startHttpFixture({ tls: true });
  onTestFinished(() => f.close());
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
  const f = await startHttpFixture();
  onTestFinished(() => f.close());
  const c = createClient({ allowAddress: () => false });
  onTestFinished(() => c.destroy());
  await expect(c.adoptSocket(f.url)).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
  expect(f.connections).toBe(0);
});
