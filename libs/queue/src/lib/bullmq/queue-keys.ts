import { hashTagOf, originTag } from '../cluster/shard-routing.ts';
import { depthLedgerKeys } from './depth-ledger.ts';

/**
 * Keys Courier keeps beside BullMQ's, under the same `<prefix>:<queueName>:`. Under a hash-tagged
 * prefix (a shard on a Redis Cluster) the parked lists are the exception: they are per-origin keys,
 * tagged by origin (`<name>:<queue>:parked:{o:<origin>}`), in the slot of the origin's limit keys
 * that the acquire and release scripts use with them.
 */
export function courierKeys(prefix: string, queueName: string) {
  const base = `${prefix}:${queueName}`;
  const tag = hashTagOf(prefix);
  return {
    /** BullMQ's job hash. */
    job: (id: string) => `${base}:${id}`,
    /** BullMQ's event stream (custom events go there too). */
    events: `${base}:events`,
    /** Credential headers of a job, split off at enqueue time (hash, TTL). */
    secrets: (id: string) => `${base}:secrets:${id}`,
    /** A cancelled job's marker (and its record when it was removed while waiting), with a TTL. */
    cancelled: (id: string) => `${base}:cancelled:${id}`,
    /** Ids of jobs parked on a full origin, oldest first (list, with a TTL). */
    parked: (origin: string) => (tag === undefined ? `${base}:parked:${origin}` : `${tag}:${queueName}:parked:${originTag(origin)}`),
    /** Pub/sub channel: ids of jobs to abort wherever they run. */
    cancelChannel: `${base}:cancel`,
    /** Pub/sub channel: origins a job was just parked on (workers stop keeping their slots of it). */
    parkedChannel: `${base}:parked`,
    /** The queue's depth ledger (depth-ledger.ts). */
    depth: depthLedgerKeys(prefix, queueName),
  };
}

export type CourierKeys = ReturnType<typeof courierKeys>;
