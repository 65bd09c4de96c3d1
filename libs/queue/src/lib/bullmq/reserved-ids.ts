import { QueueKeys } from 'bullmq';

/**
 * Names that are not job ids in BullMQ: a job's hash is `<prefix>:<queue>:<id>`, and BullMQ keeps
 * its own keys beside it in the same space (`events`, `completed`, `wait`, `meta`, `id`…). Asked
 * as a job, such a name reads the queue's stream, list or counter: Redis answers WRONGTYPE, or,
 * for the `meta` hash, a "job" made of queue settings. Taken from BullMQ itself, so a key a later
 * version adds is refused too.
 */
const reserved: ReadonlySet<string> = new Set(Object.keys(new QueueKeys().getKeys('courier')).filter((name) => name !== ''));

/** True when `id` names one of BullMQ's own keys and so can never be a job (answer "no such job" without asking Redis). */
export function isReservedJobId(id: string): boolean {
  return reserved.has(id);
}

/** A Redis WRONGTYPE reply: the id named a key that is not a job hash (one a BullMQ version added after this list). */
export function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}
