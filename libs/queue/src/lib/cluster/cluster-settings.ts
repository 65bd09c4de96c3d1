/**
 * The cluster settings the server's and the worker's environments share (config-settings.ts):
 * `REDIS_CLUSTER_NODES` (seed list; set → an ioredis `Cluster`) and `COURIER_QUEUE_SHARDS`.
 */
import { z } from 'zod';
import { emptyAsUnset, parseEnv } from '../config-settings.ts';
import { parseClusterNodes, type ClusterNode } from './cluster-connection.ts';

/** `REDIS_CLUSTER_NODES`: `host:port,host:port,…`, parsed; unset = a single Redis (`REDIS_URL`). */
export const clusterNodesSetting = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .transform((text, ctx): ClusterNode[] => {
      try {
        return parseClusterNodes(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${(error as Error).message.replace(/^cluster nodes: /, '')} (expected host:port,host:port,…)` });
        return z.NEVER;
      }
    })
    .optional(),
);

/** `COURIER_QUEUE_SHARDS`: BullMQ queues the queue is split into; unset = 1, or the number of cluster seed nodes. */
export const queueShardsSetting = z.preprocess(emptyAsUnset, z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be ≥ 1').max(1024, 'must be ≤ 1024').optional());

/** Both settings read alone (the CLI's `run`); a bad value throws a `ConfigError` naming it. */
export function loadClusterSettings(env: NodeJS.ProcessEnv): { clusterNodes?: ClusterNode[]; shards?: number } {
  const e = parseEnv(z.object({ REDIS_CLUSTER_NODES: clusterNodesSetting, COURIER_QUEUE_SHARDS: queueShardsSetting }), env);
  return {
    ...(e.REDIS_CLUSTER_NODES ? { clusterNodes: e.REDIS_CLUSTER_NODES } : {}),
    ...(e.COURIER_QUEUE_SHARDS ? { shards: e.COURIER_QUEUE_SHARDS } : {}),
  };
}
