import { CourierError, stripUndefined } from '@courier/origin';
import { queueDefaults } from '../defaults.ts';

/** Limits for one origin, held fleet-wide (Redis) or process-wide (memory driver). */
export interface OriginLimit {
  /** Requests in flight to the origin at once, across every worker; 0 = no limit. */
  concurrency: number;
  /** Requests started per second, across every worker; 0 = no limit. */
  rps: number;
  /** Requests that may start back to back above the steady rate (bucket size); default 1. */
  burst: number;
}

/** An override for the origins a pattern names: `*`, `127.0.0.1:*`, `*.example.com`, `https://api.example.com`. */
export interface OriginLimitOverride extends Partial<OriginLimit> {
  match: string;
}

export interface OriginLimitsConfig {
  /** Limits for every origin (merged over `queueDefaults.limits`). */
  default?: Partial<OriginLimit>;
  /** Per-pattern overrides; later entries win. */
  origins?: readonly OriginLimitOverride[];
  /** Lifetime of a concurrency lease, in milliseconds: a killed worker's slot comes back after it. */
  leaseTtlMs?: number;
  /** How often held leases are renewed, in milliseconds; must be well under `leaseTtlMs`. */
  leaseRenewMs?: number;
  /**
   * Safety-net delay of a job parked on a full origin, in milliseconds (doubles per deferral;
   * jitter added): it is normally woken sooner, when a slot of the origin is given back.
   */
  saturatedDelayMs?: number;
  /** Longest such delay, in milliseconds. */
  maxSaturatedDelayMs?: number;
  /**
   * How long a slot given back by a finished job stays with this worker for its next job to the
   * same origin, in milliseconds (0 = give it back at once). Saves two Redis round trips per job
   * to a busy origin; kept only when no job waited for the origin when the slot was taken.
   */
  leaseLingerMs?: number;
  /** Age past which a slot is given back rather than kept for another job, in milliseconds. */
  leaseReuseMs?: number;
}

export interface ResolvedLimitsConfig {
  leaseTtlMs: number;
  leaseRenewMs: number;
  saturatedDelayMs: number;
  maxSaturatedDelayMs: number;
  leaseLingerMs: number;
  leaseReuseMs: number;
}

// Same pattern language as @courier/origin's PolicyResolver (not exported there for custom fields):
// a pattern with a scheme matches `scheme://host:port`, one without matches `host:port` or `host`.
function compile(match: string): (origin: string) => boolean {
  const re = new RegExp(`^${match.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`, 'i');
  const hasScheme = match.includes('://');
  return (origin) => {
    if (hasScheme) return re.test(origin);
    const hostPort = origin.slice(origin.indexOf('://') + 3);
    const host = hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.slice(0, hostPort.lastIndexOf(':'));
    return re.test(hostPort) || re.test(host);
  };
}

function checkLimit(limit: Partial<OriginLimit>, where: string): void {
  for (const key of ['concurrency', 'rps', 'burst'] as const) {
    const v = limit[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (key !== 'rps' && !Number.isInteger(v))) {
      throw new CourierError('BAD_OPTION', `${where}.${key} must be ${key === 'rps' ? 'a number' : 'an integer'} ≥ 0, got ${String(v)}`);
    }
  }
}

/** Resolves the limits of an origin from the defaults and the overrides (cached per origin). */
export class OriginLimitResolver {
  readonly #base: OriginLimit;
  readonly #overrides: Array<{ test: (origin: string) => boolean; limit: Partial<OriginLimit> }>;
  readonly #cache = new Map<string, OriginLimit>();
  readonly settings: ResolvedLimitsConfig;
  /** True when no origin can have a limit (no default limit, no override): nothing to resolve. */
  readonly unlimited: boolean;

  constructor(config: OriginLimitsConfig = {}) {
    const d = queueDefaults.limits;
    checkLimit(config.default ?? {}, 'originLimits.default');
    this.#base = { concurrency: d.concurrency, rps: d.rps, burst: 1, ...stripUndefined(config.default ?? {}) };
    this.#overrides = (config.origins ?? []).map((o, i) => {
      if (typeof o.match !== 'string' || o.match.length === 0) throw new CourierError('BAD_OPTION', `originLimits.origins[${i}].match must be a pattern`);
      const { match, ...limit } = o;
      checkLimit(limit, `originLimits.origins[${i}]`);
      return { test: compile(match), limit: stripUndefined(limit) };
    });
    this.unlimited = this.#base.concurrency === 0 && this.#base.rps === 0 && this.#overrides.length === 0;
    this.settings = {
      leaseTtlMs: config.leaseTtlMs ?? d.leaseTtlMs,
      leaseRenewMs: config.leaseRenewMs ?? d.leaseRenewMs,
      saturatedDelayMs: config.saturatedDelayMs ?? d.saturatedDelayMs,
      maxSaturatedDelayMs: config.maxSaturatedDelayMs ?? d.maxSaturatedDelayMs,
      leaseLingerMs: config.leaseLingerMs ?? d.leaseLingerMs,
      leaseReuseMs: config.leaseReuseMs ?? d.leaseReuseMs,
    };
    if (!(this.settings.leaseLingerMs >= 0 && this.settings.leaseReuseMs >= 0)) {
      throw new CourierError('BAD_OPTION', 'originLimits.leaseLingerMs and leaseReuseMs must be ≥ 0');
    }
    if (!(this.settings.leaseRenewMs > 0 && this.settings.leaseRenewMs * 2 <= this.settings.leaseTtlMs)) {
      throw new CourierError('BAD_OPTION', 'originLimits.leaseRenewMs must be > 0 and at most half of leaseTtlMs');
    }
  }

  /** `origin` is `scheme://host:port`. */
  resolve(origin: string): OriginLimit {
    let limit = this.#cache.get(origin);
    if (limit === undefined) {
      limit = this.#base;
      for (const o of this.#overrides) if (o.test(origin)) limit = { ...limit, ...o.limit };
      if (limit.burst < 1) limit = { ...limit, burst: 1 };
      // Bounded: a worker meets a bounded number of origins between restarts, but don't trust it.
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(origin, limit);
    }
    return limit;
  }
}

