/**
 * Job ids. An idempotency key is hashed into the id (sha256, hex) so any key is a valid id:
 * BullMQ refuses custom ids with ':' or made of digits only, and a raw key could carry either.
 * Jobs without a key get 120 random bits as 20 base64url characters (as unguessable as a UUID's
 * 122, 16 characters shorter: the id is in about ten places of the Redis traffic of every job).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JobInput } from './job-schema.ts';

const KEYED_PREFIX = 'idem-';

export function jobIdForKey(idempotencyKey: string): string {
  return `${KEYED_PREFIX}${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`;
}

/** Random bytes drawn at once for many ids (`randomBytes` per id costs a call into OpenSSL each). */
const POOL_IDS = 256;
const ID_BYTES = 15;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function newJobId(): string {
  for (;;) {
    if (poolOffset >= pool.length) {
      pool = randomBytes(POOL_IDS * ID_BYTES);
      poolOffset = 0;
    }
    const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
    poolOffset += ID_BYTES;
    // BullMQ refuses an id made of digits only (odds 1 in 10^16; base64url has no ':').
    if (!/^\d+$/.test(id)) return id;
  }
}

/** JSON with object keys sorted, so equal payloads hash equal whatever their key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of the stored (redacted) payload: "same key + same payload" is a duplicate, "same key +
 * another payload" a CONFLICT. Credential values take no part (they are never stored), so two
 * enqueues differing only in a token count as the same payload.
 */
export function payloadHash(stored: JobInput): string {
  return createHash('sha256').update(stableStringify(stored)).digest('hex');
}
