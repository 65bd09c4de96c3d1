import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture } from '../../../test/fixtures/index.ts';
import { createDestinationPolicy } from './destination-policy.ts';

describe('destination policy', () => {
  const deny = createDestinationPolicy([]);

  it('refuses private, loopback, link-local, metadata and reserved addresses by default', () => {
    for (const [address, family] of [
      ['127.0.0.1', 4],
      ['10.2.3.4', 4],
      ['172.20.0.1', 4],
      ['192.168.1.1', 4],
      ['169.254.169.254', 4],
      ['100.64.0.1', 4],
      ['0.0.0.0', 4],
      ['224.0.0.1', 4],
      ['255.255.255.255', 4],
      ['::1', 6],
      ['::', 6],
      ['fd00:ec2::254', 6],
      ['fe80::1', 6],
      ['::ffff:127.0.0.1', 6],
      ['::ffff:a9fe:a9fe', 6],
      ['64:ff9b::10.0.0.1', 6],
    ] as const) {
      expect(deny(address, family, 'h.test'), address).toBe(false);
    }
  });

  it('lets public addresses through', () => {
    expect(deny('93.184.216.34', 4, 'example.com')).toBe(true);
    expect(deny('2606:2800:220:1:248:1893:25c8:1946', 6, 'example.com')).toBe(true);
    expect(deny('::ffff:93.184.216.34', 6, 'example.com')).toBe(true);
  });

  it('allows what COURIER_ALLOW_DESTINATIONS names: keywords, CIDRs, addresses, host patterns', () => {
    const allow = createDestinationPolicy(['loopback', '10.1.0.0/16', '192.168.7.7', '*.svc.cluster.local', 'metadata.internal:80']);
    expect(allow('127.0.0.1', 4, 'x')).toBe(true);
    expect(allow('::1', 6, 'x')).toBe(true);
    expect(allow('10.1.2.3', 4, 'x')).toBe(true);
    expect(allow('10.2.0.1', 4, 'x')).toBe(false);
    expect(allow('192.168.7.7', 4, 'x')).toBe(true);
    expect(allow('192.168.7.8', 4, 'x')).toBe(false);
    expect(allow('10.9.9.9', 4, 'api.ns.svc.cluster.local')).toBe(true);
    expect(allow('10.9.9.9', 4, 'svc.cluster.local')).toBe(false);
    expect(allow('169.254.169.254', 4, 'metadata.internal')).toBe(true);
    expect(allow('169.254.169.254', 4, 'evil.test')).toBe(false);
    expect(() => createDestinationPolicy(['not a rule!'])).toThrow(/not a CIDR/);
  });

  it('is checked on the address actually connected to: BLOCKED_DESTINATION unless loopback is allowed', async () => {
    const fixture = await startHttpFixture();
    onTestFinished(() => fixture.close());
    const strict = createClient({ allowAddress: createDestinationPolicy([]) });
    onTestFinished(() => strict.destroy());
    // A name that resolves to loopback is refused just like the address itself.
    await expect(strict.request(`http://localhost:${fixture.port}/hello`)).rejects.toMatchObject({ code: 'BLOCKED_DESTINATION' });
    await expect(strict.request(`${fixture.url}/hello`)).rejects.toMatchObject({
      code: 'BLOCKED_DESTINATION',
      message: 'destination 127.0.0.1 is refused by the destination policy (allow it with COURIER_ALLOW_DESTINATIONS)',
    });
    expect(fixture.requests).toBe(0);
    const relaxed = createClient({ allowAddress: createDestinationPolicy(['loopback']) });
    onTestFinished(() => relaxed.destroy());
    expect((await relaxed.request(`${fixture.url}/hello`)).status).toBe(200);
  });
});
