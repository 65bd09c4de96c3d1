import type { Client } from '@courier/origin';
import { defaultExtraCa } from '../shared/client-source.ts';
import { withSystemCas, type TlsMaterial } from '../shared/tls.ts';
import { HttpConnection, type EryxContext } from './http-connection.ts';
import type { TimeoutInit } from './timeouts.ts';

export interface EryxHttpOptions {
  /** TLS material for every https connection: `ca` is trusted on top of the system CAs. */
  tls?: Omit<TlsMaterial, 'verify'>;
}

/**
 * Eryx's `@eryx/http` over a Courier client. `client` is kept for the origin registry: until
 * origin can adopt a socket, an Eryx connection's socket is not in the client's snapshots (see
 * README).
 */
export function createEryxHttp(client: Client | (() => Client) | null, options: EryxHttpOptions = {}) {
  const tls = options.tls ? withSystemCas(options.tls) : {};
  const context: EryxContext = { tls };
  void client;
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

let defaultFacade: EryxHttp | null = null;

/** The default facade: `COURIER_CA_FILE` from the environment, read on first use. */
export const HttpConnectionFactory = Object.freeze({
  new(host: string, port?: number | null, timeout?: TimeoutInit, scheme?: string | null, verifySsl?: boolean | null): HttpConnection {
    if (!defaultFacade) {
      const ca = defaultExtraCa();
      defaultFacade = createEryxHttp(null, ca === undefined ? {} : { tls: { ca } });
    }
    return defaultFacade.HttpConnection.new(host, port, timeout, scheme, verifySsl);
  },
});
