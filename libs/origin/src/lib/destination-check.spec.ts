import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refusedBeforeLookup, refusedLiteral, resolveAllowed } from './destination-check.ts';
import type { AllowAddress } from './types.ts';

/** Refuses 127/8 and ::1, and names the way out. */
const noLoopback: AllowAddress = Object.assign((address: string) => !address.startsWith('127.') && address !== '::1', { howToAllow: 'allow it with X' });

function lookupOf(addresses: LookupAddress[]): LookupFunction {
  return ((_host: string, _options: object, cb: (err: null, list: LookupAddress[]) => void) => process.nextTick(() => cb(null, addresses))) as unknown as LookupFunction;
}

function resolve(addresses: LookupAddress[], preferIpv6 = false): Promise<LookupAddress[]> {
  return new Promise((ok, fail) => {
    resolveAllowed('name.test', { lookup: lookupOf(addresses), allow: noLoopback, preferIpv6 }, (err, list) => (err ? fail(err) : ok(list)));
  });
}

describe('destination checks', () => {
  it('an IP literal is refused by its address, with the way out in the message; a name is left to the lookup', () => {
    expect(refusedLiteral(noLoopback, '127.0.0.1')).toMatchObject({
      code: 'BLOCKED_DESTINATION',
      message: 'destination 127.0.0.1 is refused by the destination policy (allow it with X)',
    });
    expect(refusedLiteral(noLoopback, '[::1]')?.code).toBe('BLOCKED_DESTINATION');
    expect(refusedLiteral(noLoopback, '203.0.113.7')).toBeNull();
    expect(refusedLiteral(noLoopback, 'localhost')).toBeNull();
  });

  it('localhost names are refused before any lookup when loopback is', () => {
    for (const name of ['localhost', 'LOCALHOST.', 'api.localhost']) {
      expect(refusedBeforeLookup(noLoopback, name)).toMatchObject({ code: 'BLOCKED_DESTINATION', message: expect.stringContaining(`${name} (loopback)`) });
    }
    expect(refusedBeforeLookup(() => true, 'localhost')).toBeNull();
    expect(refusedBeforeLookup(noLoopback, 'notlocalhost.test')).toBeNull();
  });

  it('a resolved name keeps only allowed addresses, preferred family first; none allowed is BLOCKED_DESTINATION naming them', async () => {
    const v4 = { address: '203.0.113.7', family: 4 };
    const v6 = { address: '2001:db8::7', family: 6 };
    const loop = { address: '127.0.0.1', family: 4 };
    expect(await resolve([loop, v6, v4])).toEqual([v4, v6]);
    expect(await resolve([loop, v4, v6], true)).toEqual([v6, v4]);
    await expect(resolve([loop, { address: '::1', family: 6 }])).rejects.toMatchObject({
      code: 'BLOCKED_DESTINATION',
      message: 'destination name.test (127.0.0.1, ::1) is refused by the destination policy (allow it with X)',
    });
    await expect(resolve([])).rejects.toMatchObject({ code: 'DNS_NO_RESULTS' });
  });
});
