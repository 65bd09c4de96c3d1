/**
 * ioredis connections for each role. Producers fail fast while Redis is away (no offline queue,
 * a socket timeout) so callers get `QUEUE_UNAVAILABLE` at once; workers and event readers wait
 * and reconnect (BullMQ requires `maxRetriesPerRequest: null` for them), so a Redis restart only
 * pauses them. With `clusterNodes`, the same roles on an ioredis `Cluster` (cluster-connection.ts).
 */
import { CourierError, isCourierError } from '@courier/origin';
import { Redis, type RedisOptions } from 'ioredis';
import { createClusterConnection, type ClusterNode } from '../cluster/cluster-connection.ts';

export type ConnectionRole = 'producer' | 'worker';

const reconnect = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000);

export function createRedisConnection(url: string, role: ConnectionRole, commandTimeoutMs: number, clusterNodes?: readonly ClusterNode[]): Redis {
  const common: RedisOptions = { retryStrategy: reconnect, connectionName: `courier-${role}` };
  // A silent Redis: `socketTimeout` (one timer per connection, re-armed while replies arrive)
  // drops the socket, failing what is pending, and reconnects; each call's own deadline is
  // `guarded`'s. Not ioredis's `commandTimeout`: its timer per command cost an enqueue of 1,000
  // jobs (one pipeline of 1,000 commands) 1,000 timers, a few per cent of its time.
  const options: RedisOptions =
    role === 'producer'
      ? { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, socketTimeout: commandTimeoutMs, connectTimeout: commandTimeoutMs }
      : { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
  if (clusterNodes && clusterNodes.length > 0) return createClusterConnection(clusterNodes, url, role, options);
  return new Redis(url, options);
}

/**
 * A second connection like `redis` (for SUBSCRIBE), with an offline queue so it may subscribe
 * before it is connected. `Cluster.duplicate` takes seed nodes first, `Redis.duplicate` options.
 */
export function duplicateConnection(redis: Redis): Redis {
  if (redis.isCluster) return (redis as unknown as { duplicate(nodes: [], options: object): Redis }).duplicate([], { enableOfflineQueue: true });
  return redis.duplicate({ enableOfflineQueue: true });
}

/** Anything but a CourierError from a Redis call means the queue could not be reached. */
export function toQueueError(error: unknown, what: string): CourierError {
  if (isCourierError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CourierError('QUEUE_UNAVAILABLE', `${what}: Redis unavailable (${message})`, { cause: error });
}

/** Runs a producer-side operation with a deadline; its errors become `QUEUE_UNAVAILABLE`. */
export async function guarded<T>(what: string, timeoutMs: number, op: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CourierError('QUEUE_UNAVAILABLE', `${what}: Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([op(), deadline]);
  } catch (error) {
    throw toQueueError(error, what);
  } finally {
    clearTimeout(timer);
  }
}
