/**
 * Redis Cluster connections (`REDIS_CLUSTER_NODES`): an ioredis `Cluster` per role, with the same
 * per-node options as a single Redis (redis-connection.ts) so producers fail fast and workers wait.
 *
 * A `Cluster` answers every command Courier sends a `Redis`, as long as each Lua script, pipeline
 * and MULTI touches keys of one hash slot — which the key layout guarantees: every key of a shard
 * starts with the shard's hash-tagged prefix (`{courier-0}`, shard-routing.ts). It is handed around
 * typed as `Redis`; the one call that differs, `duplicate`, goes through `duplicateConnection`.
 */
import { CourierError } from '@courier/origin';
import { Cluster, type ClusterOptions, type Redis, type RedisOptions } from 'ioredis';

export interface ClusterNode {
  host: string;
  port: number;
}

const reconnect = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000);

/**
 * Parses a seed list, `host:port,host:port` (`REDIS_CLUSTER_NODES`). Any one reachable node is
 * enough for ioredis to learn the others; list every master so a restart of one does not matter.
 */
export function parseClusterNodes(text: string): ClusterNode[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CourierError('BAD_OPTION', 'cluster nodes: expected host:port[,host:port…]');
  return items.map((item) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) throw new CourierError('BAD_OPTION', `cluster nodes: "${item}" is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * `url` (optional) lends the nodes its credentials and TLS (`rediss://user:pass@…`); its host is
 * not used. `nodeOptions` are the role's per-node options.
 */
export function createClusterConnection(nodes: readonly ClusterNode[], url: string | undefined, role: 'producer' | 'worker', nodeOptions: RedisOptions): Redis {
  const auth = credentialsOf(url);
  const options: ClusterOptions = {
    clusterRetryStrategy: reconnect,
    enableReadyCheck: true,
    // Producers fail at once while the cluster is not ready (QUEUE_UNAVAILABLE); workers queue and wait.
    enableOfflineQueue: role !== 'producer',
    // A master that restarts moves no slots; a MOVED/ASK after a reshard is followed.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    slotsRefreshTimeout: 2_000,
    redisOptions: { ...nodeOptions, ...auth },
  };
  return new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    options,
  ) as unknown as Redis;
}

function credentialsOf(url: string | undefined): RedisOptions {
  if (!url) return {};
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
