import type { Client } from '@courier/origin';
import { defaultClient } from '../shared/client-source.ts';
import type { TlsMaterial } from '../shared/tls.ts';
import { HttpConnection, type EryxContext } from './http-connection.ts';
import type { TimeoutInit } from './timeouts.ts';

export interface EryxHttpOptions {
  /**
   * TLS material for every https connection, in place of the client's own TLS settings: `ca` is
   * trusted on top of the system CAs. Without it the client's settings apply.
   */
  tls?: Omit<TlsMaterial, 'verify'>;
}

/**
 * Eryx's `@eryx/http` over a Courier client: each connection's socket is opened by the client's
 * origin actor (its DNS, destination policy, TLS settings and proxy) and counted there, so
 * `client.hasConnection()`, `client.origins()` and `client.closeConnections()` see it. `null`
 * is the default client (`COURIER_CA_FILE` from the environment).
 */
export function createEryxHttp(client: Client | (() => Client) | null, options: EryxHttpOptions = {}) {
  const context: EryxContext = { client: client ?? defaultClient, tls: options.tls };
  return Object.freeze({
    HttpConnection: Object.freeze({
      /** `HttpConnection.new(host, port?, timeout?, scheme?, verifySsl?)`: no I/O until the first request. */
      new(host: string, port?: number | null, timeout?: TimeoutInit, scheme?: string | null, verifySsl?: boolean | null): HttpConnection {
        return new HttpConnection(context, host, port, timeout, scheme, verifySsl);
      },
    }),
  });
}

export type EryxHttp = ReturnType<typeof createEryxHttp>;

/** The default facade, over the default client (`COURIER_CA_FILE` from the environment, read on first use). */
export const HttpConnectionFactory = createEryxHttp(null).HttpConnection;
