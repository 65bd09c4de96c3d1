import { createClient, type Client, type ClientOptions, type OriginTransition } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, type HttpFixture } from '../fixtures/index.ts';

// A followable redirect is a hand-off: the origin actor that answered the 3xx hands the next hop
// to the target origin's actor (the registry's, created on first use), chart to chart. Observed
// from outside only: xstate's inspection hook (the events between the actors) and the client's
// watch API (what the dashboard's inspector shows), never the client's internals.

const fixture = (): Promise<HttpFixture> => forThisTest(startHttpFixture());

function client(options?: ClientOptions): Client {
  const c = createClient(options);
  onTestFinished(() => c.destroy());
  return c;
}

const redirectTo = (from: HttpFixture, target: string) => `${from.url}/redirect/302?to=${encodeURIComponent(target)}`;

/** A → B → A → 200: three hops (two redirects and the final request), the last back on A. */
function chainOf(a: HttpFixture, b: HttpFixture): string {
  return redirectTo(a, redirectTo(b, `${a.url}/hello`));
}

interface Relayed {
  /** The actor that sent the hand-off, and the one that received it. */
  source: unknown;
  target: unknown;
  event: { type: string; hop: number; from: string; to: string };
}

/** Every `redirect.*` event the origin actors' systems report, through the client's inspection hook. */
function inspected() {
  const relayed: Relayed[] = [];
  /** Origin actor refs by actor key, learnt from the `redirect.handoff` each one is told. */
  const refs = new Map<string, unknown>();
  const inspect = (event: unknown) => {
    const e = event as { type: string; sourceRef?: unknown; actorRef: unknown; event: Relayed['event'] };
    if (e.type !== '@xstate.event') return;
    if (e.event.type === 'redirect.handoff') refs.set(e.event.from, e.actorRef);
    if (e.event.type === 'redirect.received') relayed.push({ source: e.sourceRef, target: e.actorRef, event: e.event });
  };
  return { relayed, refs, inspect };
}

describe('redirect hand-off between origin actors', () => {
  it('A → B → A: three hops handed A→B then B→A between exactly two actors; the hop list and final response come back', async () => {
    const a = await fixture();
    const b = await fixture();
    const seen = inspected();
    const c = client({ inspect: seen.inspect });

    const res = await c.request(chainOf(a, b));

    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world');
    expect(res.url).toBe(`${a.url}/hello`);
    expect(res.redirects).toEqual([
      { status: 302, url: chainOf(a, b), location: redirectTo(b, `${a.url}/hello`), method: 'GET' },
      { status: 302, url: redirectTo(b, `${a.url}/hello`), location: `${a.url}/hello`, method: 'GET' },
    ]);
    expect([a.requests, b.requests]).toEqual([2, 1]);

    // Two hand-offs, chart to chart: hop 1 from A's actor to B's, hop 2 from B's back to A's.
    expect(seen.relayed.map((r) => r.event)).toEqual([
      { type: 'redirect.received', hop: 1, from: a.url, to: b.url },
      { type: 'redirect.received', hop: 2, from: b.url, to: a.url },
    ]);
    const actorA = seen.refs.get(a.url);
    const actorB = seen.refs.get(b.url);
    expect(actorA).toBeDefined();
    expect(actorB).toBeDefined();
    expect(actorA).not.toBe(actorB);
    expect(seen.relayed.map((r) => [r.source === actorA ? 'A' : r.source === actorB ? 'B' : '?', r.target === actorA ? 'A' : r.target === actorB ? 'B' : '?'])).toEqual([
      ['A', 'B'],
      ['B', 'A'],
    ]);
    // Exactly two actors: the second visit to A went to the same actor as the first.
    expect(new Set(seen.relayed.flatMap((r) => [r.source, r.target])).size).toBe(2);
    expect(c.origins().map((o) => o.key).sort()).toEqual([a.url, b.url].sort());
  });

  it('the watch API (the inspector) shows each hop: handed off on one origin, received on the next', async () => {
    const a = await fixture();
    const b = await fixture();
    const c = client();
    // The actors exist once each origin has served a request; then they can be watched.
    await (await c.request(`${a.url}/hello`)).text();
    await (await c.request(`${b.url}/hello`)).text();
    const onA: OriginTransition[] = [];
    const onB: OriginTransition[] = [];
    const offA = c.watchOrigin(a.url, (t) => onA.push(t));
    const offB = c.watchOrigin(b.url, (t) => onB.push(t));
    onTestFinished(() => {
      offA();
      offB();
    });

    expect(await (await c.request(chainOf(a, b))).text()).toBe('hello world');

    const hops = (ts: OriginTransition[]) => ts.filter((t) => t.handoff !== undefined).map((t) => ({ actor: t.actor, event: t.event, ...t.handoff }));
    expect(hops(onA)).toEqual([
      { actor: 'origin', event: 'redirect.handoff', hop: 1, from: a.url, to: b.url },
      { actor: 'origin', event: 'redirect.received', hop: 2, from: b.url, to: a.url },
    ]);
    expect(hops(onB)).toEqual([
      { actor: 'origin', event: 'redirect.received', hop: 1, from: a.url, to: b.url },
      { actor: 'origin', event: 'redirect.handoff', hop: 2, from: b.url, to: a.url },
    ]);
  });

  it('a redirect on one origin is handed by its actor to itself', async () => {
    const a = await fixture();
    const seen = inspected();
    const c = client({ inspect: seen.inspect });
    const res = await c.request(`${a.url}/redirect/302/2`);
    expect(await res.text()).toBe('hello world');
    expect(res.redirects).toHaveLength(2);
    expect(seen.relayed.map((r) => r.event.hop)).toEqual([1, 2]);
    const actorA = seen.refs.get(a.url);
    for (const r of seen.relayed) expect([r.source, r.target]).toEqual([actorA, actorA]);
  });

  it('a request without a redirect sends no hand-off event', async () => {
    const a = await fixture();
    const seen = inspected();
    const c = client({ inspect: seen.inspect });
    expect(await (await c.request(`${a.url}/hello`)).text()).toBe('hello world');
    expect(seen.refs.size).toBe(0);
    expect(seen.relayed).toEqual([]);
  });

  it('credentials still stay behind on the hop to another origin, and come back only to be dropped on A again', async () => {
    const a = await fixture();
    const b = await fixture();
    const c = client();
    const res = await c.request(redirectTo(a, redirectTo(b, `${a.url}/echo`)), { headers: { authorization: 'Bearer secret', 'x-keep': 'yes' } });
    const echo = await res.json<{ headers: Record<string, string> }>();
    // Dropped on the first cross-origin hop, so the last hop back on A does not get them either.
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers['x-keep']).toBe('yes');
    expect(res.redirects).toHaveLength(2);
  });
});
