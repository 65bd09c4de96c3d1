import { createClient, type OriginTransition } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

// What the dashboard's inspector reads: watchOrigin (the origin's chart and each socket child,
// live through xstate's inspection) and originSockets (the socket children's states).
describe('inspecting an origin', () => {
  it('lists the socket children with their states, and reports their transitions while watched', async () => {
    const f = await forThisTest(startHttpFixture());
    const c = createClient();
    onTestFinished(() => c.destroy());
    await (await c.request(`${f.url}/hello`)).text();

    const sockets = c.originSockets(f.url);
    expect(sockets).toEqual([{ key: f.url, id: expect.stringMatching(/^socket-\d+$/) as unknown as string, state: 'open', reusable: true }]);
    const socketId = sockets[0]!.id;
    // (Reading the snapshot delivers the coalesced in-flight 1 → 0: the chart is `available` now.)
    expect(c.origins()[0]!.state).toBe('available');

    const seen: OriginTransition[] = [];
    let wentIdle!: () => void;
    const idle = new Promise<void>((resolve) => (wentIdle = resolve));
    const off = c.watchOrigin(f.url, (t) => {
      seen.push(t);
      if (t.actor === 'origin' && t.to === 'idle') wentIdle();
    });
    // The server closes the keep-alive socket: the socket child goes open → closed, the origin to idle.
    await f.closeAllConnections();
    await idle;
    off();
    expect(seen.filter((t) => t.actor === socketId).map((t) => `${t.from}→${t.to}`)).toEqual(['open→closed']);
    expect(seen.filter((t) => t.actor === 'origin' && t.from !== t.to).map((t) => `${t.from}→${t.to}`)).toEqual(['available→idle']);
    expect(c.originSockets(f.url)).toEqual([]);
  });
});
