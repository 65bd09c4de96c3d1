import { randomUUID } from 'node:crypto';
import { originOf } from '@courier/origin';
import type { QueueLogger } from '../driver.ts';
import { OriginLimitResolver, type OriginLimitsConfig } from './limits-config.ts';
import type { AcquireOutcome, Lease, LimitStore, Refusal } from './limit-store.ts';

const NO_LEASE = Object.freeze({ ok: true as const, lease: null });

/** A lease this worker holds, with when the store granted it (`performance.now()` milliseconds). */
interface HeldLease extends Lease {
  grantedAt: number;
  /**
   * As it was granted, nobody waited for the origin and every other lease on it was this worker's;
   * and the origin has no rate limit (every request needs a token).
   */
  keepable: boolean;
  /**
   * When the lease started waiting for this worker's next job to its origin; null while in use
   * (never deleted: a `delete` would turn every lease into a slow dictionary-mode object).
   */
  idleSince: number | null;
}

/**
 * One worker's view of the per-origin limits: resolves the limit of a job's origin, takes a slot
 * from the store, keeps the leases it holds alive (renewed every `leaseRenewMs`, far below their
 * TTL, so a live worker never loses one while a dead worker's come back by themselves).
 *
 * A slot given back by a finished job lingers with the worker for `leaseLingerMs`: the next job to
 * the same origin takes it without a round trip to the store (acquire and release are two Lua
 * calls per job otherwise). It only lingers for an origin this worker starts jobs for back to back
 * (less than `leaseLingerMs` apart), when no job was parked on the origin and no other worker held
 * a lease on it as the lease was granted, the origin has no rate limit (every request needs a
 * token), and the lease is younger than `leaseReuseMs`. The moment a job is parked on the origin
 * anywhere in the fleet (`contended`, from the parking channel) the kept slots go back and none is
 * kept for `leaseReuseMs`. The lease stays held in the store (and renewed) the whole time: the
 * fleet-wide limit is never exceeded.
 */
export class OriginLimiter {
  readonly #store: LimitStore;
  readonly #resolver: OriginLimitResolver;
  readonly #held = new Set<HeldLease>();
  /** Leases held per origin (in use or lingering). */
  readonly #heldPerOrigin = new Map<string, number>();
  /** Lingering leases by origin, oldest first. */
  readonly #idle = new Map<string, HeldLease[]>();
  /** Origins that refused a job of this worker, until when (`performance.now()` ms): their slots go back at once. */
  readonly #contended = new Map<string, number>();
  /** Per origin: when this worker last started a job there, and the gap before that one (ms). */
  readonly #starts = new Map<string, { last: number; gap: number }>();
  readonly #owner: string;
  readonly #logger: QueueLogger | undefined;
  readonly #onRelease: ((origin: string, parkedJobId: string | null) => void) | undefined;
  #timer: NodeJS.Timeout | null = null;
  #lingerTimer: NodeJS.Timeout | null = null;
  #renewing = false;
  #closed = false;

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

  /**
   * A slot granted without a promise turn before the request starts — none is needed (no origin
   * can have a limit, a common setup) or a lease of the URL's origin lingers here — or null: then
   * `acquire`.
   */
  slotNow(url: string): { ok: true; lease: Lease | null } | null {
    if (this.#resolver.unlimited) return NO_LEASE;
    const lease = this.reuse(url);
    return lease ? { ok: true, lease } : null;
  }

  /**
   * A lingering lease of the URL's origin, taken synchronously (no promise turn before the
   * request starts), or null: then `acquire`.
   */
  reuse(url: string): Lease | null {
    if (this.#idle.size === 0) return null;
    const origin = originOf(url);
    const lease = this.#takeIdle(origin);
    if (lease) this.#started(origin);
    return lease;
  }


  /** Notes a job start on the origin: lingering pays only for origins started back to back. */
  #started(origin: string): void {
    const now = performance.now();
    const seen = this.#starts.get(origin);
    if (seen) {
      seen.gap = now - seen.last;
      seen.last = now;
      return;
    }
    // Bounded: a worker meets a bounded number of origins between restarts, but don't trust it.
    if (this.#starts.size > 10_000) this.#starts.clear();
    this.#starts.set(origin, { last: now, gap: Infinity });
  }

  async acquire(url: string): Promise<{ ok: true; lease: Lease | null } | Refusal> {
    // No limit anywhere: not even the URL needs parsing.
    if (this.#resolver.unlimited) return NO_LEASE;
    const origin = originOf(url);
    const limit = this.#resolver.resolve(origin);
    if (limit.concurrency === 0 && limit.rps === 0) return NO_LEASE;
    this.#started(origin);
    const idle = this.#takeIdle(origin);
    if (idle) return { ok: true, lease: idle };
    const token = `${this.#owner}/${randomUUID()}`;
    const outcome: AcquireOutcome = await this.#store.acquire(origin, limit, token, this.#resolver.settings.leaseTtlMs);
    if (!outcome.ok) {
      if (outcome.reason === 'concurrency') this.contended(origin);
      return { ...outcome, origin };
    }
    if (outcome.lease) {
      const own = (this.#heldPerOrigin.get(origin) ?? 0) + 1;
      const granted = outcome.lease.granted;
      const lease: HeldLease = { ...outcome.lease, grantedAt: performance.now(), idleSince: null, keepable: limit.rps === 0 && granted !== undefined && granted.parked === 0 && granted.held <= own };
      this.#held.add(lease);
      this.#heldPerOrigin.set(origin, own);
      this.#timer ??= setInterval(() => void this.#renew(), this.#resolver.settings.leaseRenewMs).unref();
      return { ok: true, lease };
    }
    return outcome;
  }

  /**
   * Acquire-many, for a batch job's requests to one origin: up to `wanted` slots, lingering ones
   * first, the rest in one store call (never past the limit). Resolves with 1 to `wanted` leases
   * (null each when the origin has no concurrency limit), or the refusal when none is free.
   */
  async acquireMany(url: string, wanted: number): Promise<{ ok: true; leases: Array<Lease | null> } | Refusal> {
    if (this.#resolver.unlimited) return { ok: true, leases: new Array<null>(wanted).fill(null) };
    const origin = originOf(url);
    const limit = this.#resolver.resolve(origin);
    if (limit.concurrency === 0 && limit.rps === 0) return { ok: true, leases: new Array<null>(wanted).fill(null) };
    this.#started(origin);
    const leases: Array<Lease | null> = [];
    while (leases.length < wanted) {
      const idle = this.#takeIdle(origin);
      if (!idle) break;
      leases.push(idle);
    }
    if (leases.length >= wanted) return { ok: true, leases };
    const outcome = await this.#store.acquireMany(origin, limit, `${this.#owner}/${randomUUID()}`, wanted - leases.length, this.#resolver.settings.leaseTtlMs);
    if (!outcome.ok) {
      if (leases.length > 0) return { ok: true, leases };
      if (outcome.reason === 'concurrency') this.contended(origin);
      return { ...outcome, origin };
    }
    if (outcome.leases.length === 0) {
      for (let i = 0; i < outcome.granted; i++) leases.push(null);
      return { ok: true, leases };
    }
    const own = (this.#heldPerOrigin.get(origin) ?? 0) + outcome.leases.length;
    this.#heldPerOrigin.set(origin, own);
    const grantedAt = performance.now();
    for (const granted of outcome.leases) {
      const g = granted.granted;
      const lease: HeldLease = { ...granted, grantedAt, idleSince: null, keepable: limit.rps === 0 && g !== undefined && g.parked === 0 && g.held <= own };
      this.#held.add(lease);
      leases.push(lease);
    }
    this.#timer ??= setInterval(() => void this.#renew(), this.#resolver.settings.leaseRenewMs).unref();
    return { ok: true, leases };
  }

  /**
   * Gives a lease back, or keeps it lingering for the next job to its origin. Keeping it is
   * synchronous and returns null, so the common case costs the job no promise turn; a lease
   * given back to the store returns that call's promise.
   */
  release(lease: Lease | null): Promise<void> | null {
    if (!lease) return null;
    const held = lease as HeldLease;
    if (this.#mayLinger(held)) {
      this.#linger(held);
      return null;
    }
    return this.#giveBack(held);
  }

  #mayLinger(lease: HeldLease): boolean {
    const { leaseLingerMs, leaseReuseMs } = this.#resolver.settings;
    if (this.#closed || leaseLingerMs <= 0 || !lease.keepable || !this.#held.has(lease)) return false;
    const now = performance.now();
    if (now - lease.grantedAt >= leaseReuseMs) return false;
    // Only an origin this worker starts jobs for faster than the linger time: elsewhere the slot
    // would mostly wait for nothing while another worker's job waits for it.
    if (!((this.#starts.get(lease.origin)?.gap ?? Infinity) < leaseLingerMs)) return false;
    const contendedUntil = this.#contended.get(lease.origin);
    if (contendedUntil !== undefined) {
      if (contendedUntil > now) return false;
      this.#contended.delete(lease.origin);
    }
    return true;
  }

  /**
   * A job was parked on `origin` (anywhere in the fleet): for the next `leaseReuseMs` this worker
   * keeps no slot of it, and the ones it keeps now go back at once (their release wakes that job).
   */
  contended(origin: string): void {
    const now = performance.now();
    // Every park anywhere in the fleet lands here: once the map is large, drop the marks that
    // have run out (each lives `leaseReuseMs`), so it holds only recently contended origins.
    if (this.#contended.size >= 10_000) for (const [o, until] of this.#contended) if (until <= now) this.#contended.delete(o);
    this.#contended.set(origin, now + this.#resolver.settings.leaseReuseMs);
    const list = this.#idle.get(origin);
    if (!list) return;
    this.#idle.delete(origin);
    for (const lease of list) void this.#giveBack(lease);
  }

  #linger(lease: HeldLease): void {
    lease.idleSince = performance.now();
    const list = this.#idle.get(lease.origin);
    if (list) list.push(lease);
    else this.#idle.set(lease.origin, [lease]);
    this.#lingerTimer ??= setTimeout(() => this.#expireIdle(), this.#resolver.settings.leaseLingerMs).unref();
  }

  #takeIdle(origin: string): HeldLease | null {
    const list = this.#idle.get(origin);
    if (!list) return null;
    // Oldest first: each lease waits about the gap between job starts, none ages out while others are reused.
    const lease = list.shift()!;
    if (list.length === 0) this.#idle.delete(origin);
    lease.idleSince = null;
    return lease;
  }

  /** Gives back every lease that lingered its time; comes back for the rest. */
  #expireIdle(): void {
    this.#lingerTimer = null;
    const now = performance.now();
    const lingerMs = this.#resolver.settings.leaseLingerMs;
    let next = Infinity;
    for (const [origin, list] of this.#idle) {
      const keep = list.filter((lease) => {
        const idleSince = lease.idleSince!;
        if (now - idleSince < lingerMs) {
          next = Math.min(next, idleSince + lingerMs);
          return true;
        }
        void this.#giveBack(lease);
        return false;
      });
      if (keep.length > 0) this.#idle.set(origin, keep);
      else this.#idle.delete(origin);
    }
    if (next < Infinity) this.#lingerTimer = setTimeout(() => this.#expireIdle(), Math.max(1, next - now)).unref();
  }

  /** Forgets a lease this worker held (given back, or lost). */
  #forget(lease: HeldLease): void {
    if (!this.#held.delete(lease)) return;
    const left = (this.#heldPerOrigin.get(lease.origin) ?? 1) - 1;
    if (left > 0) this.#heldPerOrigin.set(lease.origin, left);
    else this.#heldPerOrigin.delete(lease.origin);
  }

  async #giveBack(lease: HeldLease): Promise<void> {
    this.#forget(lease);
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
      for (const lease of lost as HeldLease[]) {
        if (lease.idleSince !== null) {
          // Not in use: just forget it (its slot may be someone else's now).
          this.#dropIdle(lease);
          continue;
        }
        // Only after the process stalled past the TTL: the slot may now be someone else's.
        this.#logger?.warn({ origin: lease.origin }, 'an origin lease expired while held; the origin may briefly exceed its limit');
      }
    } catch (error) {
      this.#logger?.warn({ err: error }, 'could not renew origin leases; will retry');
    } finally {
      this.#renewing = false;
    }
  }

  #dropIdle(lease: HeldLease): void {
    this.#forget(lease);
    const list = this.#idle.get(lease.origin);
    if (!list) return;
    const rest = list.filter((l) => l !== lease);
    if (rest.length > 0) this.#idle.set(lease.origin, rest);
    else this.#idle.delete(lease.origin);
  }

  /** Leases held right now (in use or lingering). */
  get held(): number {
    return this.#held.size;
  }

  /** Leases lingering for a next job right now. */
  get lingering(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Stops renewing and gives back the lingering leases (leases still in use are released by their jobs). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    const idle = [...this.#idle.values()].flat();
    this.#idle.clear();
    await Promise.all(idle.map((lease) => this.#giveBack(lease)));
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
