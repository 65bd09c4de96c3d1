/**
 * How `enqueue(…, …, { batch: true })` packs requests into batch jobs: grouped by origin (a
 * worker takes one origin's slots for a whole batch in one script call), and by delay and
 * priority (a batch job has one of each), then cut at `maxJobs` requests and `maxBytes` of
 * payload. A request larger than `maxBytes` by itself goes alone.
 */
import { originOf } from '@courier/origin';
import { payloadBytes } from './depth/queue-depth.ts';
import type { PreparedJob } from './prepare-jobs.ts';
import type { BatchLimits } from './queue-options.ts';

export interface PackedBatch {
  members: PreparedJob[];
  /** The members' `payloadBytes`, in order. */
  bytes: number[];
  delayMs: number;
  priority: number | undefined;
}

/** Packs `jobs` (each once: callers pass only the jobs to add) into batches. */
export function packBatches(jobs: readonly PreparedJob[], limits: BatchLimits): PackedBatch[] {
  const open = new Map<string, PackedBatch & { total: number }>();
  const done: PackedBatch[] = [];
  for (const job of jobs) {
    const bytes = payloadBytes(job.stored);
    const group = `${job.delayMs}|${job.priority ?? ''}|${originOf(job.stored.url)}`;
    let batch = open.get(group);
    if (batch && (batch.members.length >= limits.maxJobs || batch.total + bytes > limits.maxBytes)) {
      done.push(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { members: [], bytes: [], delayMs: job.delayMs, priority: job.priority, total: 0 };
      open.set(group, batch);
    }
    batch.members.push(job);
    batch.bytes.push(bytes);
    batch.total += bytes;
  }
  for (const batch of open.values()) done.push(batch);
  return done.map(({ members, bytes, delayMs, priority }) => ({ members, bytes, delayMs, priority }));
}
