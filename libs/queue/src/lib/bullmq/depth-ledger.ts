/**
 * The depth bound on Redis, shared by every API server and worker of a queue: a ledger hash (one
 * entry per unfinished job with its payload bytes) and a byte counter, changed only by the
 * `reserveDepth` and `releaseDepth` scripts.
 *
 * Why a ledger and not `INFO memory`: Redis's `used_memory` is shared with everything else in it
 * (retained finished jobs, fleet state, other tenants), lags behind and needs a round trip of its
 * own; a ledger bounds this queue's backlog exactly, and atomically across any number of
 * producers (the check and the reservation are one script). Why a hash and not a bare counter:
 * a release removes the job's entry, so it happens once however many processes report the same
 * job, and a job whose release was lost (its worker died) is found by the reserve script's sweep
 * (finished or vanished jobs are dropped): the counter cannot leak for good.
 */
import type { Redis } from 'ioredis';
import { queueDefaults } from '../defaults.ts';
import { queueFullError, type DepthLimits } from '../depth/queue-depth.ts';
import { runScript } from '../../redis/script-loader.ts';
import type { QueueLogger } from '../driver.ts';

export interface DepthLedgerKeys {
  ledger: string;
  bytes: string;
  /** The self-healing sweep's cursor and last run (hash). */
  sweep: string;
  /** BullMQ's job hash prefix, `<prefix>:<queue>:`. */
  jobPrefix: string;
}

export function depthLedgerKeys(prefix: string, queueName: string): DepthLedgerKeys {
  const base = `${prefix}:${queueName}`;
  return { ledger: `${base}:depth:jobs`, bytes: `${base}:depth:bytes`, sweep: `${base}:depth:sweep`, jobPrefix: `${base}:` };
}

/**
 * Reserves room for `entries` (id, bytes) or throws `QUEUE_FULL`. One script call per enqueue
 * batch. `enforce: false` accounts without refusing (an operator's retry of a failed job).
 */
export async function reserveDepth(redis: Redis, keys: DepthLedgerKeys, limits: DepthLimits, entries: ReadonlyArray<readonly [string, number]>, enforce = true): Promise<void> {
  if (entries.length === 0) return;
  const args: Array<string | number> = [
    enforce ? limits.maxJobs : 0,
    enforce ? limits.maxBytes : 0,
    queueDefaults.depth.sweepEntries,
    keys.jobPrefix,
    queueDefaults.depth.reservationGraceMs,
    queueDefaults.depth.sweepEveryMs,
  ];
  let adding = 0;
  for (const [id, bytes] of entries) {
    args.push(id, bytes);
    adding += bytes;
  }
  const [code, jobs, bytes] = (await runScript(redis, 'reserveDepth', [keys.ledger, keys.bytes, keys.sweep], args)) as [number, number, number];
  if (code === 1) return;
  if (code === 0) throw queueFullError(limits, { jobs, bytes }, { jobs: entries.length, bytes: adding });
  throw new Error(`reserveDepth: bad arguments (${code})`);
}

/** Gives back the room of `ids`: only of those finished or gone, unless `force` (removed by us, or never added). */
export async function releaseDepth(redis: Redis, keys: DepthLedgerKeys, ids: readonly string[], force: boolean): Promise<number> {
  if (ids.length === 0) return 0;
  return (await runScript(redis, 'releaseDepth', [keys.ledger, keys.bytes], [force ? 1 : 0, keys.jobPrefix, ...ids])) as number;
}

/**
 * A worker's releases, batched: ids of jobs it saw finish are given back together at most
 * `releaseEveryMs` later (one script call per batch, not one round trip per job).
 */
export class DepthReleaser {
  readonly #redis: Redis;
  readonly #keys: DepthLedgerKeys;
  readonly #logger: QueueLogger | undefined;
  #pending: string[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(redis: Redis, keys: DepthLedgerKeys, logger?: QueueLogger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#logger = logger;
  }

  /** A job finished (or failed: released only if it will not run again). */
  add(id: string): void {
    this.#pending.push(id);
    this.#timer ??= setTimeout(() => void this.flush(), queueDefaults.depth.releaseEveryMs);
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ids = this.#pending;
    this.#pending = [];
    try {
      await releaseDepth(this.#redis, this.#keys, ids, false);
    } catch (error) {
      // The reserve script's sweep drops these entries once the queue is full; nothing is lost.
      this.#logger?.debug({ err: error, jobs: ids.length }, 'could not give back queue room; the ledger sweep will');
    }
  }
}
