/**
 * One attempt of one job, the same for both drivers: take the origin's slot (or give the job back
 * for later without using an attempt), put the credentials back, run the handler, release the
 * slot, and decide what the outcome means. The driver then records that outcome its own way.
 */
import { CourierError } from '@courier/origin';
import { restoreCredentials } from './credentials.ts';
import type { JobHandler, JobError, JobProgress, JobResult } from './driver.ts';
import type { HeaderPair } from './job-schema.ts';
import type { Lease } from './limits/limit-store.ts';
import type { OriginLimiter } from './limits/origin-limiter.ts';
import type { StoredJobData } from './prepare-jobs.ts';
import { retryPlan, toJobError, type RetryOptions } from './retry-policy.ts';

/** Why a running job was stopped from outside. */
export type StopReason = 'cancel' | 'shutdown';

export interface AttemptControl {
  readonly controller: AbortController;
  stopReason: StopReason | null;
}

/** A fresh control; `controller` lets a worker pass one from its {@link AbortPool}. */
export function newAttemptControl(controller: AbortController = new AbortController()): AttemptControl {
  return { controller, stopReason: null };
}

/** Stops a running attempt: `cancel` fails it for good, `shutdown` hands it back to the queue. */
export function stopAttempt(control: AttemptControl, reason: StopReason): void {
  if (control.stopReason) return;
  control.stopReason = reason;
  // `discardPartial` tells a handler that a cancelled job's partial files (a download's `.part`)
  // have no future; a job handed back keeps them, its next run resumes from them.
  const error =
    reason === 'cancel'
      ? new CourierError('ABORTED', 'job cancelled', { discardPartial: true })
      : new CourierError('ABORTED', 'worker shutting down; job handed back');
  control.controller.abort(error);
}

export type AttemptOutcome =
  | { type: 'completed'; result: JobResult }
  /**
   * The origin was saturated (`concurrency`: park the job on `origin` until a slot is given back,
   * `delayMs` at the latest) or rate limited (`rate`: run again after `delayMs`). Not an attempt.
   */
  | { type: 'deferred'; delayMs: number; origin: string; reason: 'concurrency' | 'rate' }
  /** The worker is closing: put the job back in the queue as it was. */
  | { type: 'handed-back' }
  | { type: 'failed'; error: JobError; retryDelayMs: number | null };

export interface AttemptDeps {
  handler: JobHandler;
  limiter: OriginLimiter;
  retry: RetryOptions;
  /** The credentials split off at enqueue time (null when they expired). */
  readSecrets(id: string): Promise<HeaderPair[] | null>;
}

export interface AttemptJob {
  id: string;
  data: StoredJobData;
  /** 1-based number of this attempt. */
  attempt: number;
  /** Times this job was already deferred because its origin was saturated. */
  deferrals: number;
  control: AttemptControl;
  reportProgress(progress: JobProgress): void;
  /**
   * A slot of the job's origin taken beforehand (a batch job takes its requests' slots in one
   * acquire-many call): used instead of acquiring one, and left to the caller to give back.
   */
  slot?: { lease: Lease | null };
}

function stopped(job: AttemptJob): AttemptOutcome | null {
  switch (job.control.stopReason) {
    case 'shutdown':
      return { type: 'handed-back' };
    case 'cancel':
      return { type: 'failed', error: { code: 'ABORTED', message: 'job cancelled' }, retryDelayMs: null };
    default:
      return null;
  }
}

/**
 * The stored data was validated by the producer (the job schema) and is not parsed again here:
 * only its shape is checked, so a record written by something else fails as BAD_JOB.
 */
function malformed(data: StoredJobData | undefined): boolean {
  const input = data?.input as { kind?: unknown; url?: unknown } | undefined;
  return typeof input !== 'object' || input === null || typeof input.kind !== 'string' || typeof input.url !== 'string';
}

export async function runAttempt(job: AttemptJob, deps: AttemptDeps): Promise<AttemptOutcome> {
  const early = stopped(job);
  if (early) return early;
  if (malformed(job.data)) return { type: 'failed', error: { code: 'BAD_JOB', message: 'the stored job has no input kind and URL (not written by @courier/queue?)' }, retryDelayMs: null };
  const url = job.data.input.url;
  const given = job.slot;
  const slot = given ? { ok: true as const, lease: given.lease } : (deps.limiter.slotNow(url) ?? (await deps.limiter.acquire(url)));
  if (!slot.ok) return { type: 'deferred', delayMs: deps.limiter.saturatedDelay(slot, job.deferrals), origin: slot.origin, reason: slot.reason };
  try {
    let input = job.data.input;
    if (job.data.secrets) {
      const secrets = await deps.readSecrets(job.id);
      if (!secrets) {
        const error = { code: 'BAD_JOB', message: 'the credentials of this job expired before it ran (kept for the job retention period)' } as const;
        return { type: 'failed', error, retryDelayMs: null };
      }
      input = restoreCredentials(input, secrets);
    }
    const result = await deps.handler({
      id: job.id,
      input,
      attempt: job.attempt,
      reportProgress: job.reportProgress,
      signal: job.control.controller.signal,
    });
    // A result in hand wins over a stop that came too late to matter.
    return { type: 'completed', result };
  } catch (error) {
    const interrupted = stopped(job);
    if (interrupted) return interrupted;
    const plan = retryPlan(error, job.attempt, deps.retry);
    return { type: 'failed', error: toJobError(error), retryDelayMs: plan.retry ? plan.delayMs : null };
  } finally {
    if (!given) {
      const released = deps.limiter.release(slot.lease);
      if (released) await released;
    }
  }
}
