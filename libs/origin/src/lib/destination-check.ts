import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { CourierError } from './errors.ts';
import type { AllowAddress } from './types.ts';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `BLOCKED_DESTINATION`, naming what was refused and (when the policy says how) the way out. */
export function blockedDestination(allow: AllowAddress, destination: string): CourierError {
  const way = allow.howToAllow ? ` (${allow.howToAllow})` : '';
  return new CourierError('BLOCKED_DESTINATION', `destination ${destination} is refused by the destination policy${way}`);
}

/**
 * The refusal for an IP-literal host (brackets allowed), or null when it is allowed or a name.
 * Checked on every connect, where an IP literal skips DNS.
 */
export function refusedLiteral(allow: AllowAddress, hostname: string): CourierError | null {
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (family === 0 || allow(host, family as 4 | 6, host)) return null;
  return blockedDestination(allow, host);
}

/** RFC 6761 §6.3: `localhost` and names below it are loopback, whatever a resolver says. */
const localhostName = /^(?:.+\.)?localhost\.?$/i;

/**
 * What can be refused before any DNS (and before an origin actor exists): an IP literal, and a
 * `localhost` name when the policy refuses both loopback addresses. Other names are checked on
 * the addresses they resolve to, when a socket connects.
 */
export function refusedBeforeLookup(allow: AllowAddress, hostname: string): CourierError | null {
  if (!localhostName.test(hostname)) return refusedLiteral(allow, hostname);
  if (allow('127.0.0.1', 4, hostname) || allow('::1', 6, hostname)) return null;
  return blockedDestination(allow, `${hostname} (loopback)`);
}

export interface ResolveOptions {
  lookup: LookupFunction | undefined;
  allow: AllowAddress | undefined;
  preferIpv6: boolean;
  /** Passed on to the lookup (node's connect asks with `hints` / `family`). */
  lookupOptions?: object;
}

/**
 * Resolves `hostname` once and returns the addresses the policy allows, the preferred family
 * first (node's happy eyeballs tries the first address's family first). The caller connects to
 * exactly these addresses, never resolving the name again: that is what makes the policy immune
 * to DNS rebinding. A name with no allowed address is `BLOCKED_DESTINATION`.
 */
export function resolveAllowed(hostname: string, opts: ResolveOptions, callback: (err: Error | null, addresses: LookupAddress[]) => void): void {
  const base = (opts.lookup ?? dnsLookup) as unknown as (host: string, o: object, cb: LookupCallback) => void;
  base(hostname, { ...opts.lookupOptions, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    let list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }]) as LookupAddress[];
    if (list.length === 0) return callback(new CourierError('DNS_NO_RESULTS', `${hostname} resolves to no address`), []);
    if (opts.allow) {
      const allow = opts.allow;
      const refused = list.filter((a) => !allow(a.address, a.family as 4 | 6, hostname));
      if (refused.length === list.length) {
        const shown = refused.slice(0, 4).map((a) => a.address).join(', ');
        return callback(blockedDestination(allow, `${hostname} (${shown}${refused.length > 4 ? ', …' : ''})`), []);
      }
      if (refused.length > 0) list = list.filter((a) => !refused.includes(a));
    }
    const first = opts.preferIpv6 ? 6 : 4;
    return callback(null, [...list].sort((a, b) => (a.family === first ? 0 : 1) - (b.family === first ? 0 : 1)));
  });
}
