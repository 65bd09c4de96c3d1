import type { OriginLimit } from './limits-config.ts';
import type { AcquireManyOutcome, AcquireOutcome, Lease, LimitStore } from './limit-store.ts';

interface OriginState {
  /** token → expiry, epoch milliseconds */
  leases: Map<string, number>;
  /** GCRA theoretical arrival time, epoch milliseconds */
  tat: number;
}

/**
 * The in-memory driver's limit state: the same semantics as the Redis scripts (leases with a
 * TTL, GCRA rate), held in this process and shared by every worker of one driver.
 */
export class MemoryLimitStore implements LimitStore {
  readonly #origins = new Map<string, OriginState>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async acquire(origin: string, limit: OriginLimit, token: string, leaseTtlMs: number): Promise<AcquireOutcome> {
    const now = this.#now();
    let state = this.#origins.get(origin);
    if (!state) {
      state = { leases: new Map(), tat: 0 };
      this.#origins.set(origin, state);
    }
    for (const [t, expiry] of state.leases) if (expiry <= now) state.leases.delete(t);
    if (limit.concurrency > 0 && state.leases.size >= limit.concurrency) return { ok: false, reason: 'concurrency', retryInMs: 0 };
    if (limit.rps > 0) {
      const interval = 1000 / limit.rps;
      const tat = Math.max(state.tat, now);
      const allowAt = tat - interval * (limit.burst - 1);
      if (allowAt > now) return { ok: false, reason: 'rate', retryInMs: Math.ceil(allowAt - now) };
      state.tat = tat + interval;
    }
    if (limit.concurrency === 0) {
      this.#forgetIfIdle(origin, state, now);
      return { ok: true, lease: null };
    }
    state.leases.set(token, now + leaseTtlMs);
    return { ok: true, lease: { origin, token } };
  }

  async acquireMany(origin: string, limit: OriginLimit, tokenStem: string, wanted: number, leaseTtlMs: number): Promise<AcquireManyOutcome> {
    const leases: Lease[] = [];
    let granted = 0;
    // One synchronous loop: nothing else runs in between, as in the Redis script.
    while (granted < wanted) {
      const outcome = await this.acquire(origin, limit, `${tokenStem}#${granted + 1}`, leaseTtlMs);
      if (!outcome.ok) {
        if (granted === 0) return outcome;
        break;
      }
      granted += 1;
      if (outcome.lease) leases.push(outcome.lease);
    }
    return { ok: true, granted, leases };
  }

  async renew(leases: readonly Lease[], leaseTtlMs: number): Promise<Lease[]> {
    const now = this.#now();
    const lost: Lease[] = [];
    for (const lease of leases) {
      const state = this.#origins.get(lease.origin);
      const expiry = state?.leases.get(lease.token);
      if (state && expiry !== undefined && expiry > now) state.leases.set(lease.token, now + leaseTtlMs);
      else lost.push(lease);
    }
    return lost;
  }

  /** Parked jobs live in the memory driver itself (woken through the limiter's `onRelease`): always null. */
  async release(lease: Lease): Promise<null> {
    const state = this.#origins.get(lease.origin);
    if (!state) return null;
    state.leases.delete(lease.token);
    this.#forgetIfIdle(lease.origin, state, this.#now());
    return null;
  }

  /** Origins with no lease and no rate debt are dropped, so memory returns to baseline. */
  #forgetIfIdle(origin: string, state: OriginState, now: number): void {
    if (state.leases.size === 0 && state.tat <= now) this.#origins.delete(origin);
  }

  /** Origins with state (tests check that it returns to zero). */
  get size(): number {
    return this.#origins.size;
  }
}
