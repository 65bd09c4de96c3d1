import { Client, CourierError, isCourierError, luaType } from '@courier/origin';
import { isInsideCoroutine } from '../coroutine-context.ts';
import { Operation } from '../operation.ts';
import { buildRequest } from './build-request.ts';
import { executeRequest } from './execute.ts';
import { createPlutoClient, type PlutoClientOptions } from './pluto-client.ts';
import type { PlutoRequestOptions, PlutoResult } from './types.ts';

/** Pluto's `pluto:http` over a Courier client (the in-process facade; `createPlutoHttp` wraps it with a transport). */
export interface ClientPlutoHttp {
  /**
   * Starts a request now. Inside a coroutine `yield*` it (only that coroutine waits); outside,
   * `await` it. Bad input (no url, CR/LF in the URL or a header value, a header value that is
   * not a string or number) throws at the call with Pluto's message.
   */
  request(url: string | URL, options?: PlutoRequestOptions): Operation<PlutoResult>;
  request(options: PlutoRequestOptions & { url: string }): Operation<PlutoResult>;
  /** A reusable (keep-alive) socket, idle or busy, exists for the remote's scheme, host and port. */
  hasconnection(remote: string | URL): boolean;
  /**
   * Stops making sockets reusable, closes the idle ones, and finishes once the requests in
   * flight have ended. Throws outside a coroutine; inside, `yield*` it.
   */
  closeconnections(): Operation<void>;
  /** The client the requests go through. */
  readonly client: Client;
}

function isClient(value: unknown): value is Client {
  if (value instanceof Client) return true;
  // Another copy of @courier/origin: recognise it by shape.
  const c = value as Partial<Client> | null;
  return typeof c === 'object' && c !== null && typeof c.request === 'function' && typeof c.hasConnection === 'function' && typeof c.closeConnections === 'function';
}

/**
 * Builds a Pluto `http` object. Give it a client (create it with `createPlutoClient` or with
 * `plutoPolicy` to get Pluto's pool) or the options to create one.
 */
export function plutoHttpOverClient(clientOrOptions?: Client | PlutoClientOptions): ClientPlutoHttp {
  const client = isClient(clientOrOptions) ? clientOrOptions : createPlutoClient(clientOrOptions);
  /** Requests not yet answered to their caller: closeconnections lets their waiters go first. */
  const inFlight = new Set<Promise<PlutoResult>>();
  return {
    client,
    request(first: unknown, second?: unknown): Operation<PlutoResult> {
      const op = new Operation<PlutoResult>();
      const done = executeRequest(client, buildRequest(first, second), op);
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
      return op;
    },
    hasconnection(remote: string | URL): boolean {
      if (typeof remote !== 'string' && !(remote instanceof URL)) {
        throw new CourierError('BAD_URL', `bad argument #1 to 'hasconnection' (string expected, got ${luaType(remote)})`);
      }
      try {
        return client.hasConnection(remote);
      } catch (error) {
        // Pluto parses anything; what we cannot parse has no connection.
        if (isCourierError(error) && (error.code === 'BAD_URL' || error.code === 'UNSUPPORTED_SCHEME')) return false;
        throw error;
      }
    },
    closeconnections(): Operation<void> {
      if (!isInsideCoroutine()) throw new CourierError('BAD_OPTION', 'http.closeconnections must be called inside a coroutine');
      const answered = [...inFlight];
      // In Pluto a request in flight ends (and its waiter is resumed on the next pass) before
      // closeconnections can see the I/O thread gone, so the waiter runs first. Here the pool
      // drains when the response ends, which can be before its caller has its result: wait for
      // every request in flight at the call to be answered, then give the scheduler one turn
      // to resume those waiters (a pass runs on a microtask or the next setImmediate).
      return new Operation(
        client
          .closeConnections()
          .then(() => Promise.all(answered))
          .then(() => new Promise<void>((resolve) => setImmediate(resolve))),
      );
    },
  };
}

export type { PlutoClientOptions };
