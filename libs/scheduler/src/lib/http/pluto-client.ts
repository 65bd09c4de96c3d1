import type { LookupFunction } from 'node:net';
import { createClient, plutoPolicy, type Client, type ClientOptions, type OriginPolicy, type TlsOptions } from '@courier/origin';

/** How to build the client behind a Pluto `http` object. */
export interface PlutoClientOptions {
  /** Extra trusted CA certificates (PEM), added to the system's. TLS is always verified. */
  ca?: TlsOptions['ca'];
  /** Other TLS settings (client certificate, servername …); `ca` above is merged in. */
  tls?: TlsOptions;
  /** DNS lookup for every connect (tests make `localhost` dual-stack with it). */
  lookup?: LookupFunction;
  /** Refuse some destinations after DNS (`BLOCKED_DESTINATION`, reason "TCP Handshake Failed"). */
  allowAddress?: ClientOptions['allowAddress'];
  /** Overrides over `plutoPolicy` (one keep-alive socket per origin, 3 s connect, 30 s total, no redirects). */
  policy?: Partial<OriginPolicy>;
}

/** A `@courier/origin` client with Pluto's pool (`plutoPolicy`). */
export function createPlutoClient(options: PlutoClientOptions = {}): Client {
  const tls: TlsOptions | undefined = options.ca !== undefined ? { ...options.tls, ca: options.ca } : options.tls;
  return createClient({
    policy: { ...plutoPolicy, ...options.policy },
    ...(tls ? { tls } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.allowAddress ? { allowAddress: options.allowAddress } : {}),
  });
}
