import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { patternBytes, startHttpFixture } from '../fixtures/index.ts';

async function setup() {
  const f = await startHttpFixture();
  onTestFinished(() => f.close());
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
    const res = await c.request(`${f.url}/bytes/${8 * 1024 * 1024}`);
    await f.until((x) => x.requests === 1);
    // nobody reads: what the client took off the socket stays near the unclaimed high-water mark
    await new Promise((r) => setTimeout(r, 100));
    expect(res.body.bytesReceived).toBeLessThan(1024 * 1024);
    expect((await res.bytes()).length).toBe(8 * 1024 * 1024);
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
