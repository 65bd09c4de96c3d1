import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { backstop, withConnectDeadline } from './connect-deadline.ts';
import { blockedDestination, refusedLiteral, resolveAllowed } from './destination-check.ts';
import { createProxyConnector } from './proxy.ts';
import { trustedCa } from './trusted-ca.ts';
import type { AllowAddress, TlsOptions } from './types.ts';

export interface ConnectorOptions {
  /** Tunnel through this proxy instead of connecting directly. */
  proxy?: URL | null;
  tls: TlsOptions | undefined;
  timeoutMs: number;
  preferIpv6: boolean;
  lookup: LookupFunction | undefined;
  allowAddress: AllowAddress | undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The lookup node's connect uses: the client's lookup, ordered by family and without the
 * addresses the destination policy refuses (see resolveAllowed) — so a name is checked on the
 * addresses the socket will really use, once per connect.
 */
function checkedLookup(opts: ConnectorOptions): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    resolveAllowed(hostname, { lookup: opts.lookup, allow: opts.allowAddress, preferIpv6: opts.preferIpv6, lookupOptions: options }, (err, list) => {
      if (err) return callback(err as NodeJS.ErrnoException, options.all ? [] : '', 0);
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as unknown as LookupFunction;
}

export type Connector = buildConnector.connector;

export function createConnector(opts: ConnectorOptions): Connector {
  if (opts.proxy) {
    // The proxy's own address is the operator's choice: only the target is checked, before the
    // CONNECT (proxy.ts resolves a name here and asks the proxy for the checked address).
    const check = opts.allowAddress ? { allow: opts.allowAddress, lookup: opts.lookup, preferIpv6: opts.preferIpv6 } : undefined;
    return guard(createProxyConnector(opts.proxy, opts.tls, opts.timeoutMs, check), opts.allowAddress, false);
  }
  const t = opts.tls ?? {};
  const base = buildConnector({
    // Courier's own deadline (withConnectDeadline) fires first; undici's is the backstop.
    timeout: backstop(opts.timeoutMs),
    ca: trustedCa(t.ca),
    cert: t.cert,
    key: t.key,
    passphrase: t.passphrase,
    rejectUnauthorized: t.rejectUnauthorized !== false,
    servername: t.servername,
    // Try both families (happy eyeballs), in the order the lookup gives.
    autoSelectFamily: true,
    lookup: checkedLookup(opts),
  } as buildConnector.BuildOptions);
  return withConnectDeadline(guard(base, opts.allowAddress, true), opts.timeoutMs);
}

/** Applies the destination policy to IP literals and (when direct) to the address connected to. */
function guard(base: Connector, allow: AllowAddress | undefined, checkRemote: boolean): Connector {
  if (!allow) return base;
  return (options, callback) => {
    // An IP literal skips DNS, so it is checked here; a name is checked by the lookup.
    const refused = refusedLiteral(allow, options.hostname);
    if (refused) {
      queueMicrotask(() => callback(refused, null));
      return;
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err, null);
      // Belt and braces: the address really connected to.
      const remote = checkRemote ? (socket as Socket).remoteAddress : undefined;
      const remoteFamily = remote ? isIP(remote) : 0;
      if (remote && remoteFamily && !allow(remote, remoteFamily as 4 | 6, options.hostname.replace(/^\[|\]$/g, ''))) {
        socket.destroy();
        return callback(blockedDestination(allow, remote), null);
      }
      return callback(null, socket);
    });
  };
}
