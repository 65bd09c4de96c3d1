import { randomUUID } from 'node:crypto';
import { originIdOf, parseUrl } from '@courier/origin';
import type { QueueLogger } from '../driver.ts';
import { OriginLimitResolver, type OriginLimitsConfig } from './limits-config.ts';
import type { AcquireOutcome, Lease, LimitStore, Refusal } from './limit-store.ts';

const NO_LEASE = Object.freeze({ ok: true as const, lease: null });

/**
 * One worker's view of the per-origin limits: resolves the limit of a job's origin, takes a slot
 * from the store, keeps the leases it holds alive (renewed every `leaseRenewMs`, far below their
 * TTL, so a live worker never loses one while a dead worker's come back by themselves).
 */
export class OriginLimiter {
  readonly #store: LimitStore;
  readonly #resolver: OriginLimitResolver;
  readonly #held = new Set<Lease>();
  readonly #owner: string;
  readonly #logger: QueueLogger | undefined;
  readonly #onRelease: ((origin: string, parkedJobId: string | null) => void) | undefined;
  #timer: NodeJS.Timeout | null = null;
  #renewing = false;

  /**
   * `onRelease` is told when a slot of an origin was given back (to wake a job parked on it), with
   * the parked job the store popped while releasing (Redis), else null.
   */
  constructor(
    store: LimitStore,
    config: OriginLimitsConfig | undefined,
    owner: string,
    logger?: QueueLogger,
    onRelease?: (origin: string, parkedJobId: string | null) => void,
  ) {
    this.#store = store;
    this.#resolver = new OriginLimitResolver(config);
    this.#owner = owner;
    this.#logger = logger;
    this.#onRelease = onRelease;
  }

  /**
   * Delay before a refused job is tried again. A rate limit says when the next token is due. A
   * full origin does not: the job is parked on the origin and woken when a slot is given back, so
   * this is only the safety net for a wake-up that never comes (a killed worker's lease expiring,
   * a release racing the parking); it doubles with each deferral of the same job, capped.
   */
  saturatedDelay(refusal: Refusal, deferrals: number): number {
    const { saturatedDelayMs, maxSaturatedDelayMs } = this.#resolver.settings;
    if (refusal.reason === 'rate') return Math.max(refusal.retryInMs, 1) + Math.round(Math.random() * 20);
    const backoff = Math.min(maxSaturatedDelayMs, saturatedDelayMs * 2 ** Math.min(Math.max(0, deferrals), 20));
    return Math.round(backoff + Math.random() * saturatedDelayMs);
  }

  async acquire(url: string): Promise<{ ok: true; lease: Lease | null } | Refusal> {
    // No limit anywhere: not even the URL needs parsing.
    if (this.#resolver.unlimited) return NO_LEASE;
    const { origin } = originIdOf(parseUrl(url), undefined);
    const limit = this.#resolver.resolve(origin);
    if (limit.concurrency === 0 && limit.rps === 0) return NO_LEASE;
    const token = `${this.#owner}/${randomUUID()}`;
    const outcome: AcquireOutcome = await this.#store.acquire(origin, limit, token, this.#resolver.settings.leaseTtlMs);
    if (!outcome.ok) return { ...outcome, origin };
    if (outcome.lease) {
      this.#held.add(outcome.lease);
      this.#timer ??= setInterval(() => void this.#renew(), this.#resolver.settings.leaseRenewMs).unref();
    }
    return outcome;
  }

  async release(lease: Lease | null): Promise<void> {
    if (!lease) return;
    this.#held.delete(lease);
    if (this.#held.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    try {
      const parkedJobId = await this.#store.release(lease);
      this.#onRelease?.(lease.origin, parkedJobId);
    } catch (error) {
      // The lease expires by itself; a failed release only delays the slot's return.
      this.#logger?.warn({ err: error, origin: lease.origin }, 'could not release an origin lease; it will expire');
    }
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    try {
      const lost = await this.#store.renew([...this.#held], this.#resolver.settings.leaseTtlMs);
      for (const lease of lost) {
        // Only after the process stalled past the TTL: the slot may now be someone else's.
        this.#logger?.warn({ origin: lease.origin }, 'an origin lease expired while held; the origin may briefly exceed its limit');
      }
    } catch (error) {
      this.#logger?.warn({ err: error }, 'could not renew origin leases; will retry');
    } finally {
      this.#renewing = false;
    }
  }

  /** Leases held right now. */
  get held(): number {
    return this.#held.size;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
