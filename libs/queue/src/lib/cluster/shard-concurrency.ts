/**
 * A worker's job slots shared among the shards it consumes: an equal share each, the remainder
 * to some shards — which ones rotates with the worker id, so across a fleet every shard gets as
 * many slots as any other (fair), and the sum is the worker's concurrency. Every shard gets at
 * least one slot (a worker with fewer slots than shards runs one job per shard at most).
 */
import { shardOf } from './shard-routing.ts';

export function shardConcurrency(concurrency: number, shards: number, workerId: string): number[] {
  const base = Math.floor(concurrency / shards);
  const extra = concurrency % shards;
  const offset = shardOf(workerId, shards);
  return Array.from({ length: shards }, (_, i) => Math.max(1, base + ((i - offset + shards) % shards < extra ? 1 : 0)));
}
