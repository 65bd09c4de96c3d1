/**
 * Service-mode destination policy: requests may not reach private, loopback, link-local,
 * multicast/reserved or cloud-metadata addresses unless `COURIER_ALLOW_DESTINATIONS` allows them.
 * It is an `allowAddress` function for `createClient`, which the client calls with the address it
 * actually connects to (after DNS), so DNS rebinding cannot get around it; through a proxy, the
 * client resolves the name itself and asks the proxy for the checked address.
 */
import { BlockList, isIP } from 'node:net';
import type { ClientOptions } from '@courier/origin';

type Family = 'ipv4' | 'ipv6';

/** Ranges refused by default (RFC 6890 special-purpose registries, the useful part). */
const blockedRanges: ReadonlyArray<[string, number, Family, string]> = [
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata 169.254.169.254)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved and broadcast'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'unique local (cloud metadata fd00:ec2::254)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** Named groups usable in the allow list. */
const keywords: Readonly<Record<string, ReadonlyArray<[string, number, Family]>>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
};

const blocked = new BlockList();
for (const [net, prefix, family] of blockedRanges) blocked.addSubnet(net, prefix, family);

/** An IPv4 address hidden in an IPv6 one (`::ffff:a.b.c.d` mapped, `64:ff9b::a.b.c.d` NAT64), else null. */
function embeddedIpv4(address: string): string | null {
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return null;
  if (match[1]) return match[1];
  const hi = parseInt(match[2]!, 16);
  const lo = parseInt(match[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export interface DestinationRule {
  kind: 'cidr' | 'keyword' | 'host';
  value: string;
}

/** Parses one allow-list entry: a CIDR or address, `loopback`/`private`/`link-local`, or a host pattern. */
export function parseDestinationRule(entry: string): DestinationRule | null {
  const value = entry.trim();
  if (value in keywords) return { kind: 'keyword', value };
  const [address = '', prefix, ...rest] = value.replace(/^\[|\](?=\/|$)/g, '').split('/');
  const family = isIP(address);
  if (family !== 0 && rest.length === 0) {
    if (prefix === undefined) return { kind: 'cidr', value: `${address}/${family === 4 ? 32 : 128}` };
    if (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)) return { kind: 'cidr', value: `${address}/${prefix}` };
    return null;
  }
  // Host patterns: `example.com`, `*.example.com`, with an optional `:port` / `:*` that is ignored
  // (the policy is about where packets go, not which port).
  if (/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:(\d{1,5}|\*))?$/i.test(value)) {
    return { kind: 'host', value: value.replace(/:(\d{1,5}|\*)$/, '').toLowerCase() };
  }
  return null;
}

/** `example.com` matches itself; `*.example.com` matches any name below it (not itself). */
function hostRegExp(pattern: string): RegExp {
  const wildcard = pattern.startsWith('*.');
  const base = (wildcard ? pattern.slice(2) : pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${wildcard ? '(?:[^.]+\\.)+' : ''}${base}$`, 'i');
}

export type AllowAddress = NonNullable<ClientOptions['allowAddress']>;

/**
 * The `allowAddress` for `createClient`: an address in a blocked range is refused (the client
 * fails the request with `BLOCKED_DESTINATION`) unless an allow rule covers the address or the
 * host name the request was for.
 */
export function createDestinationPolicy(allow: readonly string[]): AllowAddress {
  const allowed = new BlockList();
  const hostPatterns: RegExp[] = [];
  for (const entry of allow) {
    const rule = parseDestinationRule(entry);
    if (!rule) throw new Error(`not a CIDR, an address, a keyword (loopback, private, link-local) or a host pattern: ${JSON.stringify(entry)}`);
    if (rule.kind === 'keyword') for (const [net, prefix, family] of keywords[rule.value]!) allowed.addSubnet(net, prefix, family);
    else if (rule.kind === 'cidr') {
      const [net, prefix] = rule.value.split('/') as [string, string];
      allowed.addSubnet(net, Number(prefix), isIP(net) === 4 ? 'ipv4' : 'ipv6');
    } else {
      hostPatterns.push(hostRegExp(rule.value));
    }
  }
  const covered = (list: BlockList, address: string, family: 4 | 6): boolean => {
    const v4 = family === 6 ? embeddedIpv4(address) : null;
    return v4 ? list.check(v4, 'ipv4') : list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  const policy = (address: string, family: 4 | 6, host: string): boolean => {
    if (!covered(blocked, address, family)) return true;
    if (covered(allowed, address, family)) return true;
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    return hostPatterns.some((re) => re.test(name));
  };
  // The refusal names the way out, so an operator who meant it knows what to set.
  return Object.assign(policy, { howToAllow: 'allow it with COURIER_ALLOW_DESTINATIONS' });
}
