/**
 * The requests of a batch job on Redis. A batch job is one BullMQ job (`batch.<random>`, named
 * `batch`) whose data lists its requests' ids; each request keeps its own hash at the key BullMQ
 * would give a job of its id, with BullMQ's field names (`name`, `data`, `timestamp`, `atm`,
 * `returnvalue`, `failedReason`, `finishedOn`, `progress`) and two of Courier's: `batch` (the
 * batch job that runs it) and `state`. So `Job.fromId` reads a request as it reads a job, an
 * idempotency key finds either, and the depth ledger's scripts see `finishedOn` the same way.
 * Its events go to the queue's event stream under its own id: `wait` and `subscribe` hear them
 * as they hear a plain job's.
 */
import type { Redis } from 'ioredis';
import type { JobError, JobResult, JobState } from '../driver.ts';
import { newJobId } from '../job-ids.ts';
import type { StoredJobData } from '../prepare-jobs.ts';
import { runScript } from '../../redis/script-loader.ts';
import { encodeFailedReason } from './failed-reason.ts';
import type { CourierKeys } from './queue-keys.ts';

/** The queue-job name of a batch job (a request job's name is its kind). */
export const BATCH_JOB_NAME = 'batch';

/**
 * A batch job's own attempts: a delivery that failed as a whole (Redis away mid-run) runs again,
 * skipping the requests that finished. Its requests count their attempts apart.
 */
export const BATCH_JOB_ATTEMPTS = 10;

/** What a batch job's BullMQ data holds. */
export interface BatchJobData {
  members: string[];
  /**
   * A URL of the batch's origin (its requests share it): the worker takes the slots before it
   * claims the requests, and parks the batch job, holding no worker slot, when none is free.
   */
  url?: string;
}

/** Events are capped like BullMQ's own stream (approximate trim). */
const EVENTS_MAX_LEN = 10_000;

/** A batch job's id. BullMQ refuses ':' in ids; request ids never contain '.', so no request id looks like one. */
export function newBatchJobId(): string {
  return `batch.${newJobId()}`;
}

export function isBatchJobId(id: string): boolean {
  return id.startsWith('batch.');
}

/** `<prefix>:<queue>:`, the prefix of BullMQ's job hashes (and so of batch requests' hashes). */
export function jobKeyPrefix(keys: CourierKeys): string {
  return keys.job('');
}

/** Stores the requests of one batch job; per request, true when stored (false: its key was taken). */
export async function addBatchMembers(
  redis: Redis,
  keys: CourierKeys,
  batchId: string,
  timestamp: number,
  delayed: boolean,
  members: ReadonlyArray<{ id: string; kind: string; data: StoredJobData; attempts: number; bytes: number }>,
): Promise<boolean[]> {
  const args: Array<string | number> = [jobKeyPrefix(keys), batchId, timestamp, delayed ? 'delayed' : 'waiting'];
  for (const m of members) args.push(m.id, m.kind, JSON.stringify(m.data), m.attempts, m.bytes);
  const reply = (await runScript(redis, 'addBatchMembers', [keys.job(batchId)], args)) as number[];
  return reply.map((created) => created === 1);
}

/**
 * Of `ids` (keys an enqueue found taken), the requests stored for a batch job that does not
 * exist — an enqueue that failed between storing them and adding their batch job, with Redis
 * away for its clean-up too — deleted, so the enqueue adds them again: left alone, they would
 * be answered as duplicates and never run. No worker can have claimed one (no batch job to
 * claim it); should a racing producer add its batch job meanwhile, that batch's claim skips it
 * and the request runs once, in the batch this enqueue adds.
 */
export async function takeBackOrphanedMembers(redis: Redis, keys: CourierKeys, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const read = redis.pipeline();
  for (const id of ids) read.hmget(keys.job(id), 'batch', 'state');
  const waiting: Array<{ id: string; batch: string }> = [];
  ((await read.exec()) ?? []).forEach(([error, fields], i) => {
    if (error) throw error;
    const [batch, state] = fields as Array<string | null>;
    if (batch && (state === 'waiting' || state === 'delayed')) waiting.push({ id: ids[i]!, batch });
  });
  if (waiting.length === 0) return [];
  const look = redis.pipeline();
  for (const w of waiting) look.exists(keys.job(w.batch));
  const orphans: string[] = [];
  ((await look.exec()) ?? []).forEach(([error, exists], i) => {
    if (error) throw error;
    if (exists === 0) orphans.push(waiting[i]!.id);
  });
  if (orphans.length > 0) await redis.del(...orphans.map((id) => keys.job(id)));
  return orphans;
}

export interface ClaimedMember {
  id: string;
  data: StoredJobData;
  /** Attempts already made (a retried request, or one whose earlier run failed). */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
}

/** A request's stored data; a record written by something else parses to an empty one, which the run fails as BAD_JOB. */
function parseStored(json: string | undefined): StoredJobData {
  try {
    return JSON.parse(json ?? '') as StoredJobData;
  } catch {
    return {} as StoredJobData;
  }
}

/** A worker starts a batch job: the requests still its own to run, now `active` (finished, cancelled ones skipped). */
export async function claimBatchMembers(redis: Redis, keys: CourierKeys, batchId: string, ids: readonly string[]): Promise<ClaimedMember[]> {
  if (ids.length === 0) return [];
  const reply = (await runScript(redis, 'claimBatchMembers', [keys.events], [jobKeyPrefix(keys), batchId, EVENTS_MAX_LEN, ...ids])) as string[];
  const claimed: ClaimedMember[] = [];
  for (let i = 0; i < reply.length; i += 4) {
    claimed.push({ id: reply[i]!, data: parseStored(reply[i + 1]), attemptsMade: Number(reply[i + 2]) || 0, attempts: Number(reply[i + 3]) || 1 });
  }
  return claimed;
}

export type MemberOutcome =
  | { type: 'completed'; result: JobResult; attemptsMade: number; keepMs: number }
  | { type: 'failed'; error: JobError; attemptsMade: number; keepMs: number }
  | { type: 'cancelled'; keepMs: number }
  | { type: 'retry'; error: JobError; attemptsMade: number; delayMs: number };

/** One outcome as the `finishBatchMembers` script takes it (7 values). */
function outcomeArgs(id: string, batchId: string | null, outcome: MemberOutcome): Array<string | number> {
  switch (outcome.type) {
    case 'completed':
      return [id, 'completed', JSON.stringify(outcome.result), outcome.keepMs, outcome.attemptsMade, batchId ?? '', ''];
    case 'failed':
      return [id, 'failed', encodeFailedReason(outcome.error), outcome.keepMs, outcome.attemptsMade, batchId ?? '', ''];
    case 'cancelled':
      return [id, 'cancelled', encodeFailedReason({ code: 'ABORTED', message: 'job cancelled' }), outcome.keepMs, 0, batchId ?? '', ''];
    case 'retry':
      return [id, 'retry', encodeFailedReason(outcome.error), outcome.delayMs, outcome.attemptsMade, batchId ?? '', JSON.stringify(outcome.error)];
  }
}

export interface MemberFinish {
  id: string;
  /** The batch job that ran it; null for an operator's cancel (any batch). */
  batchId: string | null;
  outcome: MemberOutcome;
}

/**
 * Records outcomes of batch requests in one script call, and gives the queue room of those
 * finished for good back. Per outcome: false when the request was gone, already finished (a
 * cancel won the race) or another batch's.
 */
export async function finishBatchMembers(redis: Redis, keys: CourierKeys, finishes: readonly MemberFinish[]): Promise<boolean[]> {
  if (finishes.length === 0) return [];
  const args: Array<string | number> = [jobKeyPrefix(keys), Date.now(), EVENTS_MAX_LEN];
  for (const f of finishes) args.push(...outcomeArgs(f.id, f.batchId, f.outcome));
  const reply = (await runScript(redis, 'finishBatchMembers', [keys.events, keys.depth.ledger, keys.depth.bytes], args)) as number[];
  return reply.map((n) => n === 1);
}

/**
 * A worker's outcomes, recorded together (group commit): one `finishBatchMembers` call at a time
 * is in flight; the outcomes that arrive meanwhile go in the next one, so under load one call
 * carries many (a batch's requests to a fast origin finish by the hundred) and when idle an
 * outcome waits `gatherMs` for others. Each caller is told its own answer.
 */
export class MemberFinisher {
  /** Most outcomes per script call: bounds the time Redis spends in one script. */
  static readonly maxPerCall = 500;
  /**
   * How long the first outcome waits for others before a call goes out, in milliseconds. Every
   * call costs Redis a round trip's system calls (~15 µs here) besides its work; at thousands of
   * requests per second 2 ms gathers tens of outcomes per call. The request's caller sees its
   * result that much later; its slot does not wait (batch-runner.ts).
   */
  static readonly gatherMs = 2;
  readonly #redis: Redis;
  readonly #keys: CourierKeys;
  #queued: Array<MemberFinish & { resolve(ok: boolean): void; reject(error: unknown): void }> = [];
  #flushing = false;

  constructor(redis: Redis, keys: CourierKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  finish(id: string, batchId: string | null, outcome: MemberOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.#queued.length === 0 && !this.#flushing) setTimeout(() => void this.#flush(), MemberFinisher.gatherMs);
      this.#queued.push({ id, batchId, outcome, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queued.length > 0) {
      const queued = this.#queued.splice(0, MemberFinisher.maxPerCall);
      try {
        const recorded = await finishBatchMembers(this.#redis, this.#keys, queued);
        queued.forEach((q, i) => q.resolve(recorded[i] ?? false));
      } catch (error) {
        for (const q of queued) q.reject(error);
      }
    }
    this.#flushing = false;
  }
}

/** A batch request's progress: on its hash and as a `progress` event (what BullMQ's `updateProgress` does for a job). */
export async function reportMemberProgress(redis: Redis, keys: CourierKeys, id: string, progress: unknown): Promise<void> {
  const json = JSON.stringify(progress);
  await redis
    .multi()
    .hset(keys.job(id), 'progress', json)
    .xadd(keys.events, 'MAXLEN', '~', EVENTS_MAX_LEN, '*', 'event', 'progress', 'jobId', id, 'data', json)
    .exec();
}

/** A batch request's `state` field as the contract's state; null when the hash is not a batch request's. */
export function memberState(field: string | null | undefined): JobState | null {
  switch (field) {
    case 'waiting':
    case 'delayed':
    case 'active':
    case 'completed':
    case 'failed':
    case 'cancelled':
      return field;
    default:
      return null;
  }
}
