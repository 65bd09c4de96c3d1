import type { OriginLimit } from './limits-config.ts';

/** A concurrency slot held on an origin; its token proves ownership on renew and release. */
export interface Lease {
  origin: string;
  token: string;
  /**
   * Set by a store that knows who else wants the origin (Redis), as the lease was granted: the
   * jobs parked on it and the leases held on it, this one included. The worker keeps a lease for
   * its next job to the origin only when nobody waited and every other lease was its own.
   */
  granted?: { parked: number; held: number };
}

export type AcquireOutcome =
  | { ok: true; lease: Lease | null }
  | { ok: false; reason: 'concurrency' | 'rate'; retryInMs: number };

/** Acquire-many: `granted` (≥ 1) rate tokens, with as many leases when the origin has a concurrency limit. */
export type AcquireManyOutcome = { ok: true; granted: number; leases: Lease[] } | Extract<AcquireOutcome, { ok: false }>;

/** A refusal as the limiter reports it: with the origin, so the job can be parked on it. */
export type Refusal = Extract<AcquireOutcome, { ok: false }> & { origin: string };

/**
 * Where per-origin limit state lives: Redis (fleet-wide, Lua scripts) or this process (memory
 * driver). Both take the limit with every call, so workers with different settings share one state.
 */
export interface LimitStore {
  /** Takes a concurrency slot (when `limit.concurrency` > 0) and a rate token (when `limit.rps` > 0), atomically. */
  acquire(origin: string, limit: OriginLimit, token: string, leaseTtlMs: number): Promise<AcquireOutcome>;
  /**
   * Acquire-many: up to `wanted` slots (and rate tokens) at once, atomically, never past the
   * limit; the i-th lease's token is `<tokenStem>#<i>`. Refused only when not even one is free.
   */
  acquireMany(origin: string, limit: OriginLimit, tokenStem: string, wanted: number, leaseTtlMs: number): Promise<AcquireManyOutcome>;
  /** Extends leases; returns those that were lost (expired and reclaimed). */
  renew(leases: readonly Lease[], leaseTtlMs: number): Promise<Lease[]>;
  /**
   * Gives the slot back. A store that keeps the origin's parked jobs (Redis) pops the oldest in
   * the same step and returns its id for the caller to wake; null when none (or not kept here).
   */
  release(lease: Lease): Promise<string | null>;
}
