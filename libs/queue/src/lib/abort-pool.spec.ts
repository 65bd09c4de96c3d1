import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../../../../test/fixtures/index.ts';
import { AbortPool } from './abort-pool.ts';

describe('AbortPool', () => {
  it('reuses a controller that was never aborted and is no longer listened to', () => {
    const pool = new AbortPool(4);
    const first = pool.take();
    const onAbort = () => {};
    first.signal.addEventListener('abort', onAbort);
    first.signal.removeEventListener('abort', onAbort);
    pool.give(first);
    expect(pool.take()).toBe(first);
  });

  it('drops an aborted controller, one still listened to, and any beyond its size', () => {
    const pool = new AbortPool(1);
    const aborted = pool.take();
    aborted.abort();
    pool.give(aborted);
    const listened = pool.take();
    listened.signal.addEventListener('abort', () => {});
    pool.give(listened);
    expect(pool.size).toBe(0);
    const a = new AbortController();
    const b = new AbortController();
    pool.give(a);
    pool.give(b);
    expect(pool.size).toBe(1);
    const next = pool.take();
    expect(next).toBe(a);
    expect(next.signal.aborted).toBe(false);
  });

  it('reuses a controller whose signal served origin requests once they ended, not while one runs', async () => {
    const f = await forThisTest(startHttpFixture());
    const latch = f.hold('/held');
    const client = createClient({ allowAddress: () => true });
    onTestFinished(() => client.destroy());
    const pool = new AbortPool(2);
    const controller = pool.take();
    expect(await (await client.request(`${f.url}/hello`, { signal: controller.signal })).text()).toBe('hello world');
    pool.give(controller);
    expect(pool.take()).toBe(controller);
    const running = client.request(`${f.url}/held`, { signal: controller.signal });
    await f.waitForRequests(2);
    pool.give(controller);
    expect(pool.size).toBe(0);
    latch.release();
    await (await running).body.dump();
  });
});
