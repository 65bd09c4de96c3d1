import diagnostics_channel from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, patternBytes, startHttpFixture } from '../fixtures/index.ts';
import { until } from '../harness/index.ts';

async function setup() {
  const f = await forThisTest(startHttpFixture());
  const c = createClient();
  onTestFinished(() => c.destroy());
  return { f, c };
}

describe('streaming bodies', () => {
  it('streams a 20 MiB body with backpressure (pause and resume many times) and the right bytes', async () => {
    const { f, c } = await setup();
    const size = 20 * 1024 * 1024;
    const res = await c.request(`${f.url}/bytes/${size}`);
    let got = 0;
    let mismatch = -1;
    for await (const chunk of res.body) {
      const expected = patternBytes(chunk.length, got);
      if (mismatch < 0 && !chunk.equals(expected)) mismatch = got;
      got += chunk.length;
      // a slow consumer: give the socket time to fill and pause
      await new Promise((r) => setImmediate(r));
    }
    expect(got).toBe(size);
    expect(mismatch).toBe(-1);
    // the socket is reusable afterwards
    expect(await (await c.request(`${f.url}/hello`)).text()).toBe('hello world');
    expect(f.connections).toBe(1);
  });

  it('a body cut mid-stream fails with CLOSED_PREMATURELY, and the origin recovers', async () => {
    const { f, c } = await setup();
    f.route('/cut', (req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write(Buffer.alloc(300_000), () => req.socket.destroy());
    });
    const res = await c.request(`${f.url}/cut`);
    let got = 0;
    await expect(
      (async () => {
        for await (const chunk of res.body) got += chunk.length;
      })(),
    ).rejects.toMatchObject({ code: 'CLOSED_PREMATURELY' });
    expect(got).toBeLessThanOrEqual(300_000);
    expect(await (await c.request(`${f.url}/hello`)).text()).toBe('hello world');
  });

  it('an unread body does not buffer without bound: the socket pauses', async () => {
    const { f, c } = await setup();
    // The client's socket, from undici's own diagnostics channel: once undici stops pulling from
    // it, Node's buffer fills to its high-water mark and stops reading the descriptor.
    const sockets: Socket[] = [];
    const onConnected = (message: unknown) => sockets.push((message as { socket: Socket }).socket);
    diagnostics_channel.subscribe('undici:client:connected', onConnected);
    onTestFinished(() => {
      diagnostics_channel.unsubscribe('undici:client:connected', onConnected);
    });
    // An origin that writes 8 MiB honouring backpressure, and says when it is blocked on 'drain'.
    const size = 8 * 1024 * 1024;
    const server = { written: 0, blocked: false, finished: false };
    f.route('/flood', async (_req, res) => {
      res.writeHead(200, { 'content-length': size });
      while (server.written < size) {
        const chunk = patternBytes(Math.min(64 * 1024, size - server.written), server.written);
        server.written += chunk.length;
        if (res.write(chunk)) continue;
        server.blocked = true;
        await once(res, 'drain');
        server.blocked = false;
      }
      res.end();
      server.finished = true;
    });
    const res = await c.request(`${f.url}/flood`);
    // Nobody reads the body. Wait until the pause shows on both ends — the origin cannot hand the
    // kernel more and the client's socket buffer is full — or until the whole body went through,
    // which only a client buffering without bound allows.
    const clientSocketFull = () => sockets.some((s) => s.readableLength >= s.readableHighWaterMark);
    await until(() => server.finished || (server.blocked && clientSocketFull()), 'the origin blocked on drain and the client socket full, or the whole body sent');
    expect(server.finished).toBe(false);
    // What the client took off the socket stays near the unclaimed high-water mark (64 KiB).
    expect(res.body.bytesReceived).toBeLessThan(1024 * 1024);
    expect((await res.bytes()).equals(patternBytes(size))).toBe(true);
    expect(server.finished).toBe(true);
  });

  it('a body is read once: BODY_USED', async () => {
    const { f, c } = await setup();
    const res = await c.request(`${f.url}/hello`);
    await res.text();
    await expect(res.text()).rejects.toMatchObject({ code: 'BODY_USED' });
  });

  it('cancel() closes the socket instead of reusing it', async () => {
    const { f, c } = await setup();
    const res = await c.request(`${f.url}/bytes/${4 * 1024 * 1024}`);
    res.body.cancel();
    expect(await (await c.request(`${f.url}/hello`)).text()).toBe('hello world');
    expect(f.connections).toBe(2);
  });
});
