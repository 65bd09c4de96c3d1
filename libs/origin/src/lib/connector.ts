import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { CourierError } from './errors.ts';
import { createProxyConnector } from './proxy.ts';
import { trustedCa } from './trusted-ca.ts';
import type { TlsOptions } from './types.ts';

export interface ConnectorOptions {
  /** Tunnel through this proxy instead of connecting directly. */
  proxy?: URL | null;
  tls: TlsOptions | undefined;
  timeoutMs: number;
  preferIpv6: boolean;
  lookup: LookupFunction | undefined;
  allowAddress: ((address: string, family: 4 | 6, host: string) => boolean) | undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A lookup that orders addresses by family (IPv4 first unless IPv6 is preferred — node's
 * happy-eyeballs tries the first address's family first) and drops the ones the destination
 * policy refuses. Filtering here, on the very addresses the socket will use, is what makes the
 * policy immune to DNS rebinding: the name is never resolved a second time.
 */
function orderedLookup(opts: ConnectorOptions): LookupFunction {
  const base = (opts.lookup ?? dnsLookup) as unknown as (host: string, o: object, cb: LookupCallback) => void;
  return ((hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', 0);
      let list = (Array.isArray(addresses) ? addresses : [{ address: addresses as string, family: isIP(addresses as string) }]) as LookupAddress[];
      if (opts.allowAddress) {
        const allow = opts.allowAddress;
        list = list.filter((a) => allow(a.address, a.family as 4 | 6, hostname));
        if (list.length === 0) {
          return callback(new CourierError('BLOCKED_DESTINATION', `${hostname} resolves only to addresses the destination policy refuses`) as unknown as NodeJS.ErrnoException, options.all ? [] : '', 0);
        }
      }
      const first = opts.preferIpv6 ? 6 : 4;
      list = [...list].sort((a, b) => (a.family === first ? 0 : 1) - (b.family === first ? 0 : 1));
      if (options.all) return callback(null, list);
      const one = list[0]!;
      return callback(null, one.address, one.family);
    });
  }) as unknown as LookupFunction;
}

export type Connector = buildConnector.connector;



export function createConnector(opts: ConnectorOptions): Connector {
  if (opts.proxy) return guard(createProxyConnector(opts.proxy, opts.tls, opts.timeoutMs), opts.allowAddress, false);
  const t = opts.tls ?? {};
  const base = buildConnector({
    timeout: opts.timeoutMs,
    ca: trustedCa(t.ca),
    cert: t.cert,
    key: t.key,
    passphrase: t.passphrase,
    rejectUnauthorized: t.rejectUnauthorized !== false,
    servername: t.servername,
    // Try both families (happy eyeballs), in the order the lookup gives.
    autoSelectFamily: true,
    lookup: orderedLookup(opts),
  } as buildConnector.BuildOptions);
  return guard(base, opts.allowAddress, true);
}

/** Applies the destination policy to IP literals and (when direct) to the address connected to. */
function guard(base: Connector, allow: ConnectorOptions['allowAddress'], checkRemote: boolean): Connector {
  if (!allow) return base;
  return (options, callback) => {
    // An IP literal skips DNS, so it is checked here; a name is checked by the lookup.
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const family = isIP(host);
    if (family !== 0 && !allow(host, family as 4 | 6, host)) {
      queueMicrotask(() => callback(new CourierError('BLOCKED_DESTINATION', `destination ${host} is refused by the destination policy`), null));
      return;
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err, null);
      // Belt and braces: the address really connected to.
      const remote = checkRemote ? (socket as Socket).remoteAddress : undefined;
      const remoteFamily = remote ? isIP(remote) : 0;
      if (remote && remoteFamily && !allow(remote, remoteFamily as 4 | 6, host)) {
        socket.destroy();
        return callback(new CourierError('BLOCKED_DESTINATION', `destination ${remote} is refused by the destination policy`), null);
      }
      return callback(null, socket);
    });
  };
}
