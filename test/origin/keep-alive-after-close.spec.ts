// A server's `Connection: close` ends that socket, not keep-alive for the origin: once every
// reusable socket has been closed that way, the next plain request opens a new keep-alive
// socket and hasConnection is true again — under every policy. (Before the fix, a socket the
// response marked not reusable stayed counted as reusable for good: with Pluto's one socket
// the very next request, with the default policy's 16 the seventeenth, went out one-off.)
import { createClient, defaultPolicy, plutoPolicy, type OriginPolicy } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

describe.each([
  ['default', defaultPolicy],
  ['pluto', plutoPolicy],
] as Array<[string, OriginPolicy]>)('keep-alive after the server closed it (%s policy)', (_name, policy) => {
  it('opens a new keep-alive socket after each Connection: close response, and hasConnection is true again', async () => {
    const f = await forThisTest(startHttpFixture());
    f.route('/close', (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const c = createClient({ policy });
    onTestFinished(() => c.destroy());
    // More closes than the policy has sockets: a leak of one per close would use them all up.
    const closes = policy.connections + 1;
    for (let i = 0; i < closes; i++) {
      const res = await c.request(`${f.url}/close`);
      await res.text();
      await f.until(() => f.openConnections === 0);
      expect(c.hasConnection(f.url)).toBe(false);
    }
    const before = f.connections;
    const first = await c.request(`${f.url}/hello`);
    await first.text();
    expect(c.hasConnection(f.url)).toBe(true);
    const second = await c.request(`${f.url}/hello`);
    await second.text();
    const plain = f.requestLog.slice(closes);
    expect(plain.map((r) => r.headers['connection'])).toEqual(['keep-alive', 'keep-alive']);
    // Both plain requests on one new socket.
    expect(f.connections - before).toBe(1);
    expect(f.openConnections).toBe(1);
  });
});
