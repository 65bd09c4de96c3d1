import { CourierError, type Client } from '@courier/origin';
import { plutoClientOptionsFromEnv } from '../http/environment.ts';
import type { PlutoRequestOptions, PlutoResult } from '../http/types.ts';
import type { Operation } from '../operation.ts';
import { createPlutoHttp, type PlutoHttp } from './create-pluto-http.ts';
import { createFleetTransport } from './fleet-transport.ts';
import type { PlutoTransport } from './transport.ts';

let chosen: PlutoTransport | null = null;
let shared: PlutoHttp | null = null;

/**
 * The default `http` from the environment, on first use:
 * - `COURIER_TRANSPORT` unset or `in-process`: this process's origin actors (`COURIER_CA_FILE`
 *   adds a trusted CA);
 * - `COURIER_TRANSPORT=fleet`: the worker fleet behind the queue at `REDIS_URL`, or on the Redis
 *   Cluster of `REDIS_CLUSTER_NODES` (with `COURIER_QUEUE_SHARDS`); one of them is required.
 * Any other value stops with a message naming the variable.
 */
export function transportFromEnv(env: NodeJS.ProcessEnv = process.env): PlutoTransport | null {
  const kind = env['COURIER_TRANSPORT']?.trim() || 'in-process';
  if (kind === 'in-process') return null;
  if (kind !== 'fleet') throw new CourierError('BAD_OPTION', `COURIER_TRANSPORT must be "in-process" or "fleet", got ${JSON.stringify(kind.slice(0, 40))}`);
  const redisUrl = env['REDIS_URL'];
  const clusterNodes = env['REDIS_CLUSTER_NODES']?.trim();
  if (!redisUrl && !clusterNodes) throw new CourierError('BAD_OPTION', 'COURIER_TRANSPORT=fleet needs REDIS_URL or REDIS_CLUSTER_NODES (the queue the workers consume)');
  const shards = env['COURIER_QUEUE_SHARDS']?.trim();
  // The queue checks both when it opens (BAD_OPTION for a bad seed list or shard count).
  return createFleetTransport({ ...(redisUrl ? { redisUrl } : {}), ...(clusterNodes ? { clusterNodes } : {}), ...(shards ? { shards: Number(shards) } : {}) });
}

/** Created on first use, not at import: importing the package opens nothing and reads no file. */
function instance(): PlutoHttp {
  if (!shared) {
    const transport = chosen ?? transportFromEnv();
    shared = transport ? createPlutoHttp({ transport }) : createPlutoHttp(plutoClientOptionsFromEnv());
  }
  return shared;
}

/**
 * Points the default `http` at `transport` (a runner such as `courier run` does this before it
 * loads a script), or back to the environment's choice with `null`. The caller keeps owning the
 * transport (closes it). Returns the transport in use before, if one was set this way.
 */
export function setDefaultTransport(transport: PlutoTransport | null): PlutoTransport | null {
  const previous = chosen;
  chosen = transport;
  shared = null;
  return previous;
}

/**
 * The ready-made `http` object: in-process unless `setDefaultTransport` or `COURIER_TRANSPORT=fleet`
 * says otherwise. Use `createPlutoHttp` for one of your own.
 */
export const http: PlutoHttp = {
  request: ((first: string | URL | (PlutoRequestOptions & { url: string }), second?: PlutoRequestOptions): Operation<PlutoResult> =>
    (instance().request as (a: unknown, b?: unknown) => Operation<PlutoResult>)(first, second)) as PlutoHttp['request'],
  hasconnection: (remote) => instance().hasconnection(remote),
  closeconnections: () => instance().closeconnections(),
  get client(): Client {
    return instance().client;
  },
  get transport(): PlutoTransport {
    return instance().transport;
  },
};
