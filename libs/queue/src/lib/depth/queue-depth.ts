/**
 * The queue's depth bound, shared by both drivers: how many unfinished jobs (waiting, delayed,
 * active) and how many of their payload bytes a queue may hold before `enqueue` answers
 * `QUEUE_FULL`. Without it a flood of delayed jobs with large bodies grows the in-memory driver
 * until the process dies of heap exhaustion (and every job with it), or pushes Redis into
 * `maxmemory`, where BullMQ's own writes start failing.
 */
import { CourierError } from '@courier/origin';
import { queueDefaults } from '../defaults.ts';
import type { JobInput } from '../job-schema.ts';

export interface DepthLimits {
  /** Most unfinished jobs. */
  maxJobs: number;
  /** Most payload bytes of unfinished jobs (see `payloadBytes`). */
  maxBytes: number;
}

/**
 * What a job costs the queue, in bytes: its strings (URL, method, headers, body, destination) as
 * UTF-8, plus a fixed share for the record around them (BullMQ's job hash fields, the driver's
 * own objects). An estimate that never undercounts the part a caller controls, cheap enough to
 * run per job (no serialisation).
 */
export function payloadBytes(input: JobInput): number {
  let bytes = queueDefaults.depth.recordOverheadBytes + Buffer.byteLength(input.url);
  for (const [name, value] of input.headers ?? []) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  if (input.kind === 'request') {
    if (input.method !== undefined) bytes += input.method.length;
    if (typeof input.body === 'string') bytes += Buffer.byteLength(input.body);
    else if (input.body !== undefined) bytes += input.body.base64.length;
  } else {
    bytes += Buffer.byteLength(input.dst);
  }
  return bytes;
}

/** The answer past the bound: `QUEUE_FULL` (429 with `Retry-After` from `retryAfterMs`). */
export function queueFullError(limits: DepthLimits, held: { jobs: number; bytes: number }, adding: { jobs: number; bytes: number }): CourierError {
  const what =
    held.jobs + adding.jobs > limits.maxJobs
      ? `at most ${limits.maxJobs} unfinished jobs (${held.jobs} now, ${adding.jobs} more asked)`
      : `at most ${limits.maxBytes} bytes of unfinished jobs (${held.bytes} now, ${adding.bytes} more asked)`;
  return new CourierError('QUEUE_FULL', `the queue is full: it holds ${what}`, { retryAfterMs: queueDefaults.depth.retryAfterMs });
}
