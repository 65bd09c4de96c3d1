import { CourierError, isCourierError, luaType, type Client } from '@courier/origin';
import { isInsideCoroutine } from '../coroutine-context.ts';
import { buildRequest } from '../http/build-request.ts';
import type { PlutoClientOptions } from '../http/pluto-client.ts';
import { plutoHttpOverClient, type ClientPlutoHttp } from '../http/pluto-http.ts';
import type { PlutoResult } from '../http/types.ts';
import { Operation } from '../operation.ts';
import { createInProcessTransport, type InProcessTransport } from './in-process-transport.ts';
import { isPlutoTransport, type PlutoTransport } from './transport.ts';

/** Pluto's `pluto:http`, over a transport: this process's origin actors or the worker fleet. */
export interface PlutoHttp extends ClientPlutoHttp {
  /** Where the requests go. */
  readonly transport: PlutoTransport;
  /**
   * The local client. The fleet transport has none (its requests run on the workers): reading
   * it throws `BAD_OPTION`.
   */
  readonly client: Client;
}

/** `createPlutoHttp({ transport })`: the facade over a transport of your choice. */
export interface PlutoHttpOptions {
  transport: PlutoTransport;
}

function isTransportOptions(value: unknown): value is PlutoHttpOptions {
  return typeof value === 'object' && value !== null && 'transport' in value;
}

/** The facade's own rules in front of any transport, worded as the in-process one words them. */
function httpOverTransport(transport: PlutoTransport): PlutoHttp {
  return {
    transport,
    get client(): Client {
      throw new CourierError('BAD_OPTION', `http.client: the ${transport.kind} transport has no local client (its requests run on the workers)`);
    },
    request(first: unknown, second?: unknown): Operation<PlutoResult> {
      const op = new Operation<PlutoResult>();
      void transport.request(buildRequest(first, second), op);
      return op;
    },
    hasconnection(remote: string | URL): boolean {
      if (typeof remote !== 'string' && !(remote instanceof URL)) {
        throw new CourierError('BAD_URL', `bad argument #1 to 'hasconnection' (string expected, got ${luaType(remote)})`);
      }
      try {
        return transport.hasConnection(remote);
      } catch (error) {
        // Pluto parses anything; what we cannot parse has no connection.
        if (isCourierError(error) && (error.code === 'BAD_URL' || error.code === 'UNSUPPORTED_SCHEME')) return false;
        throw error;
      }
    },
    closeconnections(): Operation<void> {
      if (!isInsideCoroutine()) throw new CourierError('BAD_OPTION', 'http.closeconnections must be called inside a coroutine');
      return new Operation(transport.closeConnections());
    },
  } as PlutoHttp;
}

/**
 * Builds a Pluto `http` object.
 * - `createPlutoHttp()` / `createPlutoHttp(clientOptions)` / `createPlutoHttp(client)`: in-process,
 *   over this process's origin actors (exactly today's facade);
 * - `createPlutoHttp({ transport: createFleetTransport({ redisUrl }) })`: every request is a job
 *   on the Redis queue, run by the worker fleet, with the same tuples and reason strings.
 */
export function createPlutoHttp(arg?: Client | PlutoClientOptions | PlutoHttpOptions): PlutoHttp {
  if (isTransportOptions(arg)) {
    if (!isPlutoTransport(arg.transport)) throw new CourierError('BAD_OPTION', 'createPlutoHttp: transport must come from createFleetTransport or createInProcessTransport');
    // In-process goes through the one facade that has always served it, whatever the entry.
    if (arg.transport.kind === 'in-process') return Object.assign(plutoHttpOverClient((arg.transport as InProcessTransport).client), { transport: arg.transport });
    return httpOverTransport(arg.transport);
  }
  const http = plutoHttpOverClient(arg);
  return Object.assign(http, { transport: createInProcessTransport(http.client) });
}
