import type { Redis } from 'ioredis';
import type { OriginLimit } from '../lib/limits/limits-config.ts';
import type { AcquireManyOutcome, AcquireOutcome, Lease, LimitStore } from '../lib/limits/limit-store.ts';
import { pipelineScript, scriptPipeline, runScript } from './script-loader.ts';
import { scriptOutcome } from './script-codes.ts';
import { hashTagOf, keySlot, originTag } from '../lib/cluster/shard-routing.ts';

/**
 * Keys of one origin's limit state, under the prefix (shared by every queue of that prefix). Under
 * a hash-tagged prefix (a Redis Cluster) they are tagged by origin instead, `<name>:limits:{o:<origin>}:…`,
 * so each script touches one slot and the origins' limit work spreads over the cluster's nodes.
 */
export function limitKeys(prefix: string, origin: string): { leases: string; rate: string; parked: string } {
  const tag = hashTagOf(prefix);
  const base = tag === undefined ? `${prefix}:limits:${origin}` : `${tag}:limits:${originTag(origin)}`;
  return { leases: `${base}:leases`, rate: `${base}:rate`, parked: `${base}:parked` };
}

/** Fleet-wide per-origin limits held in Redis by the scripts of `commands/`. */
export class RedisLimitStore implements LimitStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #parkedKey: (origin: string) => string;

  /**
   * `parkedKey` names the list of jobs parked on an origin (the queue's `OriginParking`): a release
   * pops it in the same script. Without one, a key of the limit state that nothing parks on.
   */
  constructor(redis: Redis, prefix: string, parkedKey?: (origin: string) => string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#parkedKey = parkedKey ?? ((origin) => limitKeys(prefix, origin).parked);
  }

  async acquire(origin: string, limit: OriginLimit, token: string, leaseTtlMs: number): Promise<AcquireOutcome> {
    const keys = limitKeys(this.#prefix, origin);
    if (limit.concurrency === 0) {
      const outcome = scriptOutcome('takeToken', await runScript(this.#redis, 'takeToken', [keys.rate], [limit.rps, limit.burst]));
      if (outcome.kind === 'rate-limited') return { ok: false, reason: 'rate', retryInMs: outcome.retryInMs };
      return { ok: true, lease: null };
    }
    const reply = await runScript(this.#redis, 'acquireSlot', [keys.leases, keys.rate, this.#parkedKey(origin)], [token, limit.concurrency, leaseTtlMs, limit.rps, limit.burst]);
    const outcome = scriptOutcome('acquireSlot', reply);
    switch (outcome.kind) {
      case 'saturated':
        return { ok: false, reason: 'concurrency', retryInMs: 0 };
      case 'rate-limited':
        return { ok: false, reason: 'rate', retryInMs: outcome.retryInMs };
      default:
        // Who else wants the origin, for the worker to decide whether to keep the lease (origin-limiter.ts).
        return { ok: true, lease: { origin, token, granted: { parked: Number((reply as unknown[])[1] ?? 1), held: Number((reply as unknown[])[2] ?? Infinity) } } };
    }
  }

  async acquireMany(origin: string, limit: OriginLimit, tokenStem: string, wanted: number, leaseTtlMs: number): Promise<AcquireManyOutcome> {
    const keys = limitKeys(this.#prefix, origin);
    const reply = (await runScript(this.#redis, 'acquireSlots', [keys.leases, keys.rate, this.#parkedKey(origin)], [
      tokenStem,
      wanted,
      limit.concurrency,
      leaseTtlMs,
      limit.rps,
      limit.burst,
    ])) as unknown[];
    const outcome = scriptOutcome('acquireSlots', reply);
    switch (outcome.kind) {
      case 'saturated':
        return { ok: false, reason: 'concurrency', retryInMs: 0 };
      case 'rate-limited':
        return { ok: false, reason: 'rate', retryInMs: outcome.retryInMs };
      default: {
        const granted = outcome.kind === 'ok' ? outcome.value : 0;
        const parked = Number(reply[1] ?? 1);
        const held = Number(reply[2] ?? Infinity);
        const leases: Lease[] = [];
        if (limit.concurrency > 0) for (let i = 1; i <= granted; i++) leases.push({ origin, token: `${tokenStem}#${i}`, granted: { parked, held } });
        return { ok: true, granted, leases };
      }
    }
  }

  async renew(leases: readonly Lease[], leaseTtlMs: number): Promise<Lease[]> {
    if (leases.length === 0) return [];
    // One pipeline; on a cluster one per slot (a pipeline's keys must be served by one node).
    const groups = new Map<number, Lease[]>();
    for (const lease of leases) {
      const slot = this.#redis.isCluster ? keySlot(limitKeys(this.#prefix, lease.origin).leases) : 0;
      const group = groups.get(slot);
      if (group) group.push(lease);
      else groups.set(slot, [lease]);
    }
    const lost = await Promise.all([...groups.values()].map((group) => this.#renewGroup(group, leaseTtlMs)));
    return lost.flat();
  }

  async #renewGroup(leases: readonly Lease[], leaseTtlMs: number): Promise<Lease[]> {
    const pipeline = scriptPipeline(this.#redis);
    for (const lease of leases) pipelineScript(pipeline, 'renewLease', [limitKeys(this.#prefix, lease.origin).leases], [lease.token, leaseTtlMs]);
    const replies = (await pipeline.exec()) ?? [];
    const lost: Lease[] = [];
    replies.forEach(([error, reply], i) => {
      if (error) throw error;
      if (scriptOutcome('renewLease', reply).kind === 'lease-missing') lost.push(leases[i]!);
    });
    return lost;
  }

  async release(lease: Lease): Promise<string | null> {
    const keys = [limitKeys(this.#prefix, lease.origin).leases, this.#parkedKey(lease.origin)];
    const reply = await runScript(this.#redis, 'releaseLease', keys, [lease.token]);
    scriptOutcome('releaseLease', reply);
    const parked = Array.isArray(reply) ? reply[1] : undefined;
    return typeof parked === 'string' && parked.length > 0 ? parked : null;
  }
}
