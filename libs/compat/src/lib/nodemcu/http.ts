import type { Client } from '@courier/origin';
import { defaultClient, type ClientSource } from '../shared/client-source.ts';
import { ACKNOW, DELAYACK, DELETE, GET, HEAD, POST, PUT, methodNames } from './constants.ts';
import { NodeMcuConnection } from './connection.ts';
import { oneShotApi } from './one-shot.ts';
import { parseOptions, type NodeMcuOptions } from './options.ts';
import { CourierError } from '@courier/origin';

function createConnectionOver(client: ClientSource) {
  /**
   * `http.createConnection(url, [method,] [options])`: no socket is opened until `request()`.
   * A non-number second argument is taken as the options (and ignored unless it is an object).
   */
  function createConnection(url: string, options?: NodeMcuOptions | null): NodeMcuConnection;
  function createConnection(url: string, method: number, options?: NodeMcuOptions | null): NodeMcuConnection;
  function createConnection(url: string, methodOrOptions?: number | NodeMcuOptions | null, options?: NodeMcuOptions | null): NodeMcuConnection {
    let method = GET;
    let opts: unknown = methodOrOptions;
    if (typeof methodOrOptions === 'number') {
      method = Math.trunc(methodOrOptions);
      if (!(method >= 0 && method < methodNames.length)) throw new CourierError('BAD_METHOD', `Bad HTTP method ${method}`);
      opts = options;
    }
    return new NodeMcuConnection({ client, url, method, options: parseOptions(opts, 'createConnection') });
  }
  return createConnection;
}

/** A NodeMCU ESP32 `http` module over `client` (its CA, its lookup, its pool). */
export function createNodeMcuHttp(client: Client | (() => Client)) {
  return Object.freeze({
    GET,
    POST,
    PUT,
    DELETE,
    HEAD,
    DELAYACK,
    ACKNOW,
    createConnection: createConnectionOver(client),
    ...oneShotApi(client),
  });
}

export type NodeMcuHttp = ReturnType<typeof createNodeMcuHttp>;

/** The module over the default client (`COURIER_CA_FILE` from the environment), built on first use. */
export const http: NodeMcuHttp = createNodeMcuHttp(defaultClient);
