import { createClient, defaultPolicy, plutoPolicy, type OriginPolicy } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

// Each socket is a child actor of its origin's chart (socket-machine.ts). Observed through the
// client's xstate inspection hook: the socket actors' states, and the origin actor's children.
interface Observed {
  /** States each socket actor went through, by actor id (`socket-N`). */
  sockets: Map<string, string[]>;
  /** Reusable flag of each socket actor, last seen. */
  reusable: Map<string, boolean>;
  /** Child ids of the origin actor, last seen. */
  children: string[];
}

function observe(policy: OriginPolicy) {
  const seen: Observed = { sockets: new Map(), reusable: new Map(), children: [] };
  const waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  const client = createClient({
    policy,
    inspect: (event) => {
      const e = event as { type: string; actorRef?: { id: string }; snapshot?: { value: unknown; context: Record<string, unknown>; children?: Record<string, unknown> } };
      if (e.type !== '@xstate.snapshot' || !e.actorRef || !e.snapshot) return;
      const id = e.actorRef.id;
      if (id.startsWith('socket-')) {
        const states = seen.sockets.get(id) ?? [];
        const value = String(e.snapshot.value);
        if (states[states.length - 1] !== value) states.push(value);
        seen.sockets.set(id, states);
        seen.reusable.set(id, e.snapshot.context['reusable'] === true);
      } else {
        seen.children = Object.keys(e.snapshot.children ?? {});
      }
      for (const w of waiters.splice(0)) {
        if (w.ready()) w.resolve();
        else waiters.push(w);
      }
    },
  });
  onTestFinished(() => client.destroy());
  /** Resolves once `ready()` holds, re-checked on every inspection event (no polling). */
  const until = (ready: () => boolean) => (ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ready, resolve })));
  return { client, seen, until };
}

describe.each([
  ['default', defaultPolicy],
  ['pluto', plutoPolicy],
] as Array<[string, OriginPolicy]>)('sockets are child actors of their origin (%s policy)', (_name, policy) => {
  it('a socket the server closes after a Connection: close response reaches closed, not reusable, and leaves the origin', async () => {
    const f = await forThisTest(startHttpFixture());
    const { client, seen, until } = observe(policy);
    await (await client.request(`${f.url}/close`)).text();
    const [id] = [...seen.sockets.keys()];
    await until(() => seen.sockets.get(id!)?.at(-1) === 'closed' && seen.children.length === 0);
    expect(seen.sockets.get(id!)![0]).toBe('connecting');
    expect(seen.sockets.get(id!)).toContain('open');
    expect(seen.reusable.get(id!)).toBe(false);
    expect(client.hasConnection(f.url)).toBe(false);
    // The next request gets a new reusable socket: nothing of the closed one is counted.
    await (await client.request(`${f.url}/hello`)).text();
    const fresh = [...seen.sockets.keys()].filter((k) => k !== id);
    expect(fresh).toHaveLength(1);
    expect(seen.reusable.get(fresh[0]!)).toBe(true);
    expect(seen.children).toEqual(fresh);
    expect(client.hasConnection(f.url)).toBe(true);
  });

  it('an idle keep-alive socket the server closes leaves the origin by its own transition', async () => {
    const f = await forThisTest(startHttpFixture());
    const { client, seen, until } = observe(policy);
    await (await client.request(`${f.url}/hello`)).text();
    const [id] = [...seen.sockets.keys()];
    expect(seen.children).toEqual([id]);
    expect(client.hasConnection(f.url)).toBe(true);
    await f.closeAllConnections();
    await until(() => seen.sockets.get(id!)?.at(-1) === 'closed' && seen.children.length === 0);
    expect(seen.sockets.get(id!)).toEqual(['connecting', 'open', 'closed']);
    expect(client.hasConnection(f.url)).toBe(false);
  });
});
