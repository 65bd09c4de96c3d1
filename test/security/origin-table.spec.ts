// The origin table under a flood (issue 13, "also found"): a request to a refused destination
// must not leave an origin actor behind, and a full table makes room by evicting the least
// recently used idle actor, refusing new origins only while every actor has work in flight.
// Claims are made on registry sizes and keys (DESIGN "Tests and traffic"), not on heap.
import { createClient, type ClientOptions } from '@courier/origin';
import { createDestinationPolicy } from '@courier/worker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, staticLookup } from '../fixtures/index.ts';

const names = (prefix: string, n: number, address: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}.test`, [address]]));

async function codes(requests: Array<Promise<unknown>>): Promise<string[]> {
  const outcomes = await Promise.allSettled(requests);
  return outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'fulfilled'));
}

async function setup(options: Omit<ClientOptions, 'lookup'>) {
  const fixture = await startHttpFixture();
  onTestFinished(() => fixture.close());
  const lookup = staticLookup({ ...names('o', 8, '127.0.0.1'), ...names('internal', 200, '127.0.0.2') });
  const client = createClient({ ...options, lookup: lookup as NonNullable<ClientOptions['lookup']> });
  onTestFinished(() => client.destroy());
  const url = (host: string, path = '/hello') => `http://${host}:${fixture.port}${path}`;
  return { fixture, client, url };
}

describe('origin table', () => {
  it('refused destinations leave no origin actor: a flood of them does not lock out a real request', async () => {
    // Only the fixture's address is allowed; the flood targets other loopback, private and
    // link-local addresses, as literals and as names that resolve to one.
    const { fixture, client, url } = await setup({ allowAddress: createDestinationPolicy(['127.0.0.1']), maxOrigins: 50 });
    const literals = [
      ...Array.from({ length: 100 }, (_, i) => url(`127.0.${1 + (i >> 8)}.${i & 255}`)),
      ...Array.from({ length: 100 }, (_, i) => url(`10.0.${i >> 8}.${i & 255}`)),
      ...Array.from({ length: 50 }, (_, i) => url(`169.254.0.${i}`)),
      ...Array.from({ length: 50 }, (_, i) => url(`[fd00::${i.toString(16)}]`)),
    ];
    // Refused without DNS: all at once, far more than the table holds.
    expect(await codes(literals.map((t) => client.request(t)))).toEqual(literals.map(() => 'BLOCKED_DESTINATION'));
    expect(client.size).toBe(0);
    // Names are refused on the addresses they resolve to, when their socket connects: their actor
    // exists while the connect is under way (so in batches the table holds) and is gone after.
    for (let start = 0; start < 200; start += 25) {
      const batch = Array.from({ length: 25 }, (_, i) => url(`internal${start + i}.test`));
      expect(await codes(batch.map((t) => client.request(t)))).toEqual(batch.map(() => 'BLOCKED_DESTINATION'));
      expect(client.size).toBe(0);
    }
    expect(fixture.connections).toBe(0);
    expect(await (await client.request(url('127.0.0.1'))).text()).toBe('hello world');
    expect(client.size).toBe(1);
  });

  it('a full table of idle actors evicts the least recently used one for a new origin', async () => {
    const { fixture, client, url } = await setup({ maxOrigins: 3 });
    for (const host of ['o1.test', 'o2.test', 'o3.test', 'o1.test']) await (await client.request(url(host))).text();
    expect(client.size).toBe(3);
    // o2 is the least recently used: o1 was used again after it.
    expect(await (await client.request(url('o4.test'))).text()).toBe('hello world');
    const origins = client.origins().map((o) => o.origin);
    expect(origins.sort()).toEqual([1, 3, 4].map((i) => `http://o${i}.test:${fixture.port}`));
    // The evicted actor let its keep-alive socket go.
    await fixture.until((f) => f.openConnections === 3);
  });

  it('refuses a new origin with TOO_MANY_ORIGINS only while no actor is idle', async () => {
    const { fixture, client, url } = await setup({ maxOrigins: 2 });
    const latch = fixture.hold('/slow');
    const held = [client.request(url('o1.test', '/slow')), client.request(url('o2.test', '/slow'))];
    await fixture.waitForRequests(2);
    await expect(client.request(url('o3.test'))).rejects.toMatchObject({ code: 'TOO_MANY_ORIGINS' });
    latch.release();
    for (const res of await Promise.all(held)) await res.text();
    expect(await (await client.request(url('o3.test'))).text()).toBe('hello world');
    expect(client.size).toBe(2);
  });
});
