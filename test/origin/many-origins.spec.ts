import dns from 'node:dns';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createClient } from '@courier/origin';
import { expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';
import { until } from '../harness/index.ts';

// Distinct origins by name: every `oN.courier.test` resolves to the loopback fixture, so each
// is its own origin key (and actor) while all traffic stays on 127.0.0.1.
const loopbackLookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
  if (hostname.endsWith('.courier.test')) {
    const address = { address: '127.0.0.1', family: 4 };
    return options.all ? callback(null, [address]) : callback(null, address.address, 4);
  }
  return dns.lookup(hostname, options, callback as never);
}) as unknown as typeof dns.lookup;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

it('10,000 distinct origins get an actor each; after idle eviction the registry is empty and the actors are collected', async () => {
  const f = await forThisTest(startHttpFixture());
  const N = 10_000;
  const sampled: Array<WeakRef<object>> = [];
  let seen = 0;
  const client = createClient({
    lookup: loopbackLookup,
    policy: { keepAliveTimeoutMs: 100, idleEvictionMs: 100 },
    // Sample one actor in 100 through xstate's inspection hook, to watch it being collected.
    inspect: (event) => {
      const e = event as { type: string; actorRef?: { id?: string } };
      // Origin actors only: each socket is a child actor (id `socket-N`) of its origin's.
      if (e.type !== '@xstate.actor' || !e.actorRef || e.actorRef.id?.startsWith('socket-')) return;
      if (seen++ % 100 === 0) sampled.push(new WeakRef(e.actorRef));
    },
  });
  onTestFinished(() => client.destroy());

  const BATCH = 200;
  let peak = 0;
  for (let start = 0; start < N; start += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, async (_, j) => {
        const res = await client.request(`http://o${start + j}.courier.test:${f.port}/hello`);
        await res.text();
      }),
    );
    peak = Math.max(peak, client.size);
  }
  expect(f.requests).toBe(N);
  expect(peak).toBeGreaterThan(BATCH); // actors outlive their requests until evicted
  expect(new Set(client.origins().map((o) => o.key)).size).toBe(client.size);

  // Sockets idle out, then actors are evicted; poll the registry (no event to await).
  await until(() => client.size === 0, () => `every actor evicted (${client.size} left)`, 60_000);
  expect(sampled.length).toBe(N / 100);

  // deref() keeps its target alive until the end of the current job, so every gc() runs in a
  // fresh job, after the previous check's derefs have been released.
  const alive = () => sampled.filter((w) => w.deref() !== undefined).length;
  for (let round = 0; round < 20 && alive() > 0; round++) {
    await new Promise((r) => setTimeout(r, 50));
    gc();
  }
  expect(sampled.map((w, i) => (w.deref() === undefined ? -1 : i)).filter((i) => i >= 0)).toEqual([]);
}, 120_000);
