/**
 * The operator's bounds on what an upstream may send a `request` job, and how a job's own
 * settings meet them: a job may lower a limit, never raise it, and a job asking 0 ("no limit") or
 * nothing gets the operator's maximum. Clamped in the worker, not refused at the API, because the
 * worker is the one that knows its operator's maxima (a producer on another host may not).
 */
import { queueDefaults } from './defaults.ts';
import type { RequestJob } from './job-schema.ts';

export interface UpstreamLimits {
  /** Largest response body a request job may receive, in bytes (> 0). */
  maxResponseBytes: number;
  /** Longest request job, and the bound of its headers and body timeouts, in milliseconds (> 0). */
  maxTotalTimeoutMs: number;
}

export const defaultUpstreamLimits: Readonly<UpstreamLimits> = Object.freeze({ ...queueDefaults.upstream });

/** The job's value when it is a real limit at most `max`; `max` for 0, nothing, or more. */
export function clampLimit(asked: number | undefined, max: number): number {
  return asked === undefined || asked <= 0 || asked > max ? max : asked;
}

/**
 * A timeout the origin policy decides when the job says nothing (its default is 30 s), but never
 * unlimited and never past `max` when the job asks for one.
 */
function clampOptionalTimeout(asked: number | undefined, max: number): number | undefined {
  return asked === undefined ? undefined : clampLimit(asked, max);
}

/** The limits a request job runs with. */
export function effectiveRequestLimits(job: RequestJob, limits: UpstreamLimits = defaultUpstreamLimits) {
  return {
    maxResponseBytes: clampLimit(job.maxResponseBytes, limits.maxResponseBytes),
    totalTimeoutMs: clampLimit(job.totalTimeoutMs, limits.maxTotalTimeoutMs),
    headersTimeoutMs: clampOptionalTimeout(job.headersTimeoutMs, limits.maxTotalTimeoutMs),
    bodyTimeoutMs: clampOptionalTimeout(job.bodyTimeoutMs, limits.maxTotalTimeoutMs),
  };
}
