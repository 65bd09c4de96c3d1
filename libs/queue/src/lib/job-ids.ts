/**
 * Job ids. An idempotency key is hashed into the id (sha256, hex) so any key is a valid id:
 * BullMQ refuses custom ids with ':' or made of digits only, and a raw key could carry either.
 * Jobs without a key get a random UUID (never all digits, never a ':').
 */
import { createHash, randomUUID } from 'node:crypto';
import type { JobInput } from './job-schema.ts';

const KEYED_PREFIX = 'idem-';

export function jobIdForKey(idempotencyKey: string): string {
  return `${KEYED_PREFIX}${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`;
}

export function newJobId(): string {
  return randomUUID();
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
