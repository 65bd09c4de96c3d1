/**
 * A real 3-master Redis Cluster for one spec file (test/harness `startRedisCluster`): started
 * before the file's tests, stopped (dirs deleted) after them. Tests keep apart by key prefix.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
// Test support (excluded from the build): the shared harness by path, through its index file.
import { startRedisCluster, type RedisClusterHandle } from '../../../../test/harness/index.ts';
import { dumpRedis } from './redis-dump.ts';

export interface TestRedisCluster {
  /** The harness handle (valid inside tests and hooks): seeds, ports, `restartMaster`. */
  readonly cluster: RedisClusterHandle;
  /** The seed list, as `REDIS_CLUSTER_NODES` takes it. */
  readonly seeds: string;
  /** A fresh `courier-test-<uuid>` key prefix. */
  prefix(): string;
  /** Every key of every node whose name contains `text` (e.g. a prefix), with its value, as text. */
  dump(text: string): Promise<string>;
}

/** Registers the `beforeAll`/`afterAll` hooks of the calling spec file; call it at its top level. */
export function useTestRedisCluster(): TestRedisCluster {
  let handle: RedisClusterHandle | undefined;
  beforeAll(async () => {
    handle = await startRedisCluster();
  }, 120_000);
  afterAll(async () => {
    await handle?.stop();
  });
  return {
    get cluster() {
      return handle!;
    },
    get seeds() {
      return handle!.seeds;
    },
    prefix: () => `courier-test-${randomUUID()}`,
    async dump(text) {
      const parts = await Promise.all(
        handle!.ports.map(async (port) => {
          // One node's keys through a plain connection: SCAN on a Cluster client sees one node only.
          const node = new Redis(port, '127.0.0.1');
          try {
            return await dumpRedis(node);
          } finally {
            node.disconnect();
          }
        }),
      );
      return parts
        .join('\n')
        .split('\n')
        .filter((line) => line.includes(text))
        .join('\n');
    },
  };
}
