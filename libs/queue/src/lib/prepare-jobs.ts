/**
 * What both drivers do before storing a batch: validate every job (all or nothing), split off
 * credentials, give each its id (and a keyed job its payload hash), and resolve its options.
 */
import { CourierError } from '@courier/origin';
import { splitCredentials } from './credentials.ts';
import { queueDefaults } from './defaults.ts';
import type { EnqueueOptions } from './driver.ts';
import { jobIdForKey, newJobId, payloadHash } from './job-ids.ts';
import { parseJob, type HeaderPair, type JobInput, type JobKind } from './job-schema.ts';

export interface PreparedJob {
  id: string;
  /** True when the id came from an idempotency key (so it may already exist). */
  keyed: boolean;
  kind: JobKind;
  /** The job as stored: credentials redacted. */
  stored: JobInput;
  secrets: HeaderPair[] | null;
  /**
   * Keyed jobs only: conflict detection compares it with the job already under the key. Others
   * skip it (stable JSON + SHA-256 is a good part of the producer's cost per job, and 64 bytes
   * more per job record in Redis).
   */
  payloadHash: string | undefined;
  attempts: number;
  delayMs: number;
  priority: number | undefined;
}

const MAX_ATTEMPTS = 100;

/** The options of a job given none (shared: never written to). */
const NO_OPTIONS: EnqueueOptions = Object.freeze({});

function optionsFor(options: EnqueueOptions | EnqueueOptions[] | undefined, index: number, count: number): EnqueueOptions {
  if (!Array.isArray(options)) {
    // One key for a whole batch would make every job after the first a CONFLICT: refuse it.
    if (options?.idempotencyKey !== undefined && count > 1) {
      throw new CourierError('BAD_JOB', 'idempotencyKey: a batch needs one key per job (pass an array of options)');
    }
    return options ?? NO_OPTIONS;
  }
  if (options.length !== count) throw new CourierError('BAD_JOB', `options: ${options.length} entries for ${count} jobs`);
  return options[index] ?? NO_OPTIONS;
}

function checkOptions(o: EnqueueOptions, where: string): void {
  if (o.idempotencyKey !== undefined && (typeof o.idempotencyKey !== 'string' || o.idempotencyKey.length === 0 || o.idempotencyKey.length > 1024)) {
    throw new CourierError('BAD_JOB', `${where}idempotencyKey: must be a string of 1 to 1024 characters`);
  }
  if (o.attempts !== undefined && (!Number.isInteger(o.attempts) || o.attempts < 1 || o.attempts > MAX_ATTEMPTS)) {
    throw new CourierError('BAD_JOB', `${where}attempts: must be an integer from 1 to ${MAX_ATTEMPTS}`);
  }
  if (o.delayMs !== undefined && (!Number.isInteger(o.delayMs) || o.delayMs < 0 || o.delayMs > 365 * 24 * 3_600_000)) {
    throw new CourierError('BAD_JOB', `${where}delayMs: must be an integer ≥ 0 (at most a year)`);
  }
  if (o.priority !== undefined && (!Number.isInteger(o.priority) || Math.abs(o.priority) > 1_000_000)) {
    throw new CourierError('BAD_JOB', `${where}priority: must be an integer from -1000000 to 1000000`);
  }
}

/** `sensitive`: the header names split off as credentials (default: the built-in ones). */
export function prepareJobs(jobs: readonly unknown[], options: EnqueueOptions | EnqueueOptions[] | undefined, sensitive?: ReadonlySet<string>): PreparedJob[] {
  if (!Array.isArray(jobs)) throw new CourierError('BAD_JOB', 'jobs: must be an array');
  const seen = new Map<string, string>();
  // A batch often repeats a URL: each is parsed once.
  const urls = new Map<string, string>();
  return jobs.map((raw, index) => {
    const where = jobs.length > 1 ? `[${index}].` : '';
    const input = parseJob(raw, jobs.length > 1 ? [index] : [], urls);
    const o = optionsFor(options, index, jobs.length);
    checkOptions(o, where);
    const { stored, secrets } = splitCredentials(input, sensitive);
    const keyed = o.idempotencyKey !== undefined;
    const id = keyed ? jobIdForKey(o.idempotencyKey!) : newJobId();
    let hash: string | undefined;
    if (keyed) {
      hash = payloadHash(stored);
      // Two jobs of one batch under one key: the same payload is one job, another is a conflict.
      const before = seen.get(id);
      if (before !== undefined && before !== hash) throw new CourierError('CONFLICT', `${where}idempotencyKey: used twice in this batch with different payloads`);
      seen.set(id, hash);
    }
    return {
      id,
      keyed,
      kind: stored.kind,
      stored,
      secrets,
      payloadHash: hash,
      attempts: o.attempts ?? queueDefaults.attempts,
      delayMs: o.delayMs ?? 0,
      priority: o.priority,
    };
  });
}

/** What the drivers keep per job beside BullMQ's own fields (or in the memory record). */
export interface StoredJobData {
  input: JobInput;
  /** Keyed jobs only (see `PreparedJob.payloadHash`). */
  payloadHash?: string;
  /** Keyed jobs only. Random per enqueue call: tells "I created it" from "it was there" after an add. */
  token?: string;
  /** Credentials were split off into the secrets store (absent when none were: a smaller record). */
  secrets?: true;
}

/** The stored data of a prepared job: the conflict-detection fields only when it is keyed. */
export function storedJobData(p: PreparedJob, token: string): StoredJobData {
  const data: StoredJobData = p.keyed ? { input: p.stored, payloadHash: p.payloadHash!, token } : { input: p.stored };
  if (p.secrets !== null) data.secrets = true;
  return data;
}
