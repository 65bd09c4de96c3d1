// Request hashing: what tells "the same campaign again" from "another one with a used key".
import { createHash, randomUUID } from 'node:crypto';
import type { Firmware } from '../campaign-types.ts';

/** A validated creation request (the route's schema has checked every field). */
export interface CampaignRequest {
  name?: string;
  firmware: Firmware;
  /** Devices in release order; `dst` given, or rendered from `dstTemplate`. */
  devices: ReadonlyArray<{ id: string; dst?: string }>;
  /** Cumulative fractions, increasing, the last one 1. */
  waves: readonly number[];
  failureThreshold: number;
  dstTemplate: string;
  attempts?: number;
  /** Same key → same campaign (201 the first time, 200 after); another request with it → `CONFLICT`. */
  idempotencyKey?: string;
}

/** The campaign's id: derived from the idempotency key when there is one (so a retry finds it), random otherwise. */
export function campaignIdFor(request: CampaignRequest): string {
  return request.idempotencyKey === undefined ? `cmp-${randomUUID()}` : `cmp-${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 32)}`;
}

/**
 * The request's content, hashed with sorted keys: the idempotency key left out, and the firmware
 * URL as given after its userinfo was cut off (`firmwareUrl`). The credential is compared through
 * its own salted verifier (credential-verifier.ts), never through this fast hash.
 */
export function hashRequest(request: CampaignRequest, firmwareUrl: string): string {
  const { idempotencyKey: _key, ...content } = request;
  return createHash('sha256').update(stableJson({ ...content, firmware: { ...content.firmware, url: firmwareUrl } })).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
