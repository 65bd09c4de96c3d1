import type { PlutoRequestSpec } from '../http/build-request.ts';
import type { Operation } from '../operation.ts';
import type { PlutoResult } from '../http/types.ts';

/**
 * Where a Pluto `http` object sends its requests. Two exist: `in-process` (this process's origin
 * actors, the default) and `fleet` (request jobs on the Redis queue, run by the worker fleet).
 * The facade does the Pluto part (argument checks, warnings, headers, "inside a coroutine") once,
 * in front of either, so a script's output does not depend on the transport.
 */
export interface PlutoTransport {
  readonly kind: 'in-process' | 'fleet';
  /**
   * Runs a built request; resolves with Pluto's tuple (`[null, reason]` on failure), never rejects.
   * Given `op`, it must settle `op` with the same tuple directly (the facade's hot path relies on it).
   */
  request(spec: PlutoRequestSpec, op?: Operation<PlutoResult>): PromiseLike<PlutoResult>;
  /**
   * Pluto's `hasconnection`: a reusable socket, idle or busy, exists for the remote's scheme,
   * host and port. Synchronous. Throws a `CourierError` (`BAD_URL`, `UNSUPPORTED_SCHEME`) for a
   * remote it cannot parse; the facade turns that into `false`.
   */
  hasConnection(remote: string | URL): boolean;
  /** Pluto's `closeconnections`: resolves once the requests in flight at the call have finished. */
  closeConnections(): Promise<void>;
  /** Releases what the transport holds (connections to Redis, its client). Idempotent. */
  close(): Promise<void>;
}

/** True for a transport object (as opposed to a client or client options). */
export function isPlutoTransport(value: unknown): value is PlutoTransport {
  const t = value as Partial<PlutoTransport> | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    (t.kind === 'in-process' || t.kind === 'fleet') &&
    typeof t.request === 'function' &&
    typeof t.hasConnection === 'function' &&
    typeof t.closeConnections === 'function'
  );
}
