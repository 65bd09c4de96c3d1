/**
 * Which shard a job goes to, and the key prefix of each shard.
 *
 * A sharded queue is N ordinary Courier queues (BullMQ queue + Courier's keys), each under its own
 * hash-tagged prefix, `{courier-0}` … `{courier-N-1}` (the user's prefix, numbered): every key of a
 * shard — BullMQ's, the depth ledger, credentials, fleet state — hashes to the shard's one slot.
 * Per-origin keys (lease set, rate key, parked list) are tagged by origin, `{o:<origin>}`: the
 * acquire and release scripts use them together and nothing else. So every Lua script, pipeline
 * and MULTI stays in one slot. A job goes to the shard of its origin (a pure function of the
 * origin, the same in every process), so one origin's jobs are in one queue.
 *
 * Each shard's tag is picked so its slot lies in the shard's own 1/N of the 16384 slots; a cluster
 * made by `redis-cli --cluster create` gives each of M masters an equal contiguous range, so with
 * N = M each shard lands on its own master (with N = k·M, k shards per master).
 */

export const CLUSTER_SLOTS = 16_384;

/** The name inside a hash-tagged prefix (`{courier-0}` → `courier-0`); undefined for a plain prefix. */
export function hashTagOf(prefix: string): string | undefined {
  return /^\{([^{}]+)\}$/.exec(prefix)?.[1];
}

/**
 * The hash tag of an origin's keys on a cluster (`{o:<origin>}`): its lease set, rate key and
 * parked list share one slot, whichever shard's queue its jobs are in.
 */
export function originTag(origin: string): string {
  return `{o:${origin}}`;
}

/** Key prefixes of the shards. One shard on a single Redis keeps today's untagged prefix (same keys). */
export function shardPrefixes(prefix: string, shards: number, cluster: boolean): string[] {
  if (shards === 1 && !cluster) return [prefix];
  const base = prefix.replace(/^\{(.*)\}$/, '$1');
  return Array.from({ length: shards }, (_, i) => `{${shardTag(base, i, shards)}}`);
}

/** `base-i`, or `base-i.j` with the first j that puts the slot in shard i's range. */
export function shardTag(base: string, index: number, shards: number): string {
  const from = Math.floor((index * CLUSTER_SLOTS) / shards);
  const to = Math.floor(((index + 1) * CLUSTER_SLOTS) / shards);
  const first = `${base}-${index}`;
  for (let j = 0; j < 10_000; j += 1) {
    const tag = j === 0 ? first : `${first}.${j}`;
    const slot = keySlot(tag);
    if (slot >= from && slot < to) return tag;
  }
  return first;
}

/** The shard of an origin (FNV-1a, 32 bits): stable across processes and releases. */
export function shardOf(origin: string, shards: number): number {
  if (shards === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < origin.length; i += 1) {
    hash ^= origin.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag (or of the whole key) mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % CLUSTER_SLOTS;
}
