import type { QueueDriver } from './driver.ts';
import { BullmqDriver } from './bullmq/bullmq-driver.ts';
import { parseClusterNodes, type ClusterNode } from './cluster/cluster-connection.ts';
import { ShardedDriver } from './cluster/sharded-driver.ts';
import { MemoryDriver } from './memory/memory-driver.ts';
import type { CreateQueueOptions } from './queue-options.ts';

export interface CreateQueueExtraOptions extends CreateQueueOptions {
  /** BullMQ only: open the event reader at once (needed by `wait` and `subscribe`). Default true; workers pass false. */
  events?: boolean;
  /**
   * Seed nodes of a Redis Cluster (`host:port,…` as in `REDIS_CLUSTER_NODES`, or parsed): BullMQ on
   * an ioredis `Cluster`. `redisUrl`, if also set, only lends its credentials and TLS.
   */
  clusterNodes?: string | readonly ClusterNode[];
  /**
   * BullMQ queues the queue is split into (`COURIER_QUEUE_SHARDS`), jobs routed by origin. Default:
   * 1 on a single Redis, the number of seed nodes on a cluster. Every producer and worker of a
   * queue must use the same number.
   */
  shards?: number;
}

/**
 * The queue for this process: BullMQ on Redis when `redisUrl` (or `clusterNodes`) is set (the
 * distributed engine), sharded over N BullMQ queues on a cluster or when `shards` > 1; else the
 * in-memory driver (embedded, single process).
 */
export async function createQueue(options: CreateQueueExtraOptions = {}): Promise<QueueDriver> {
  const { clusterNodes: nodesOption, shards: shardsOption, ...rest } = options;
  const clusterNodes = typeof nodesOption === 'string' ? parseClusterNodes(nodesOption) : nodesOption;
  if (clusterNodes && clusterNodes.length > 0) {
    const redisUrl = options.redisUrl ?? `redis://${clusterNodes[0]!.host}:${clusterNodes[0]!.port}`;
    return ShardedDriver.create({ ...rest, redisUrl, clusterNodes, shards: shardsOption ?? clusterNodes.length });
  }
  if (options.redisUrl) {
    if ((shardsOption ?? 1) !== 1) return ShardedDriver.create({ ...rest, redisUrl: options.redisUrl, shards: shardsOption! });
    return BullmqDriver.create({ ...rest, redisUrl: options.redisUrl });
  }
  return new MemoryDriver(rest);
}
