import type { Job } from 'bullmq';
import type { JobProgress, JobRecord, JobResult, JobState } from '../driver.ts';
import type { JobKind } from '../job-schema.ts';
import type { StoredJobData } from '../prepare-jobs.ts';
import { decodeFailedReason } from './failed-reason.ts';

export type CourierJob = Job<StoredJobData, JobResult, JobKind>;

/**
 * BullMQ's states folded into the contract's: prioritized jobs are waiting too (BullMQ 6 has no
 * `paused` job state: a paused queue's jobs stay `waiting`).
 */
export function stateOf(bullState: string, cancelled: boolean): JobState | null {
  switch (bullState) {
    case 'waiting':
    case 'wait':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
      return 'delayed';
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return cancelled ? 'cancelled' : 'failed';
    default:
      return null;
  }
}

function isProgress(value: unknown): value is JobProgress {
  return typeof value === 'object' && value !== null && typeof (value as JobProgress).bytes === 'number';
}

export function recordOf(job: CourierJob, state: JobState): JobRecord {
  const record: JobRecord = {
    id: job.id!,
    kind: job.name,
    state,
    input: job.data.input,
    attempts: job.attemptsMade,
    createdAt: job.timestamp,
  };
  if (job.finishedOn) record.finishedAt = job.finishedOn;
  if (isProgress(job.progress)) record.progress = job.progress;
  if (state === 'completed' && job.returnvalue) record.result = job.returnvalue;
  const error = decodeFailedReason(job.failedReason);
  if (error && state !== 'completed') record.error = error;
  return record;
}
