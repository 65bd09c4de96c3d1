import { requestJobSchema } from '@courier/queue';
import { z } from 'zod';

/**
 * One request job as the API takes it: the queue's own job schema (URL, method and headers go
 * through the origin lib's validators there, so a bad job is a 400 naming its field now rather
 * than a failed job later), with `kind` optional and the enqueue options beside the job.
 */

/** BullMQ's priority range. */
const maxPriority = 2_097_152;
const sevenDaysMs = 7 * 24 * 60 * 60_000;

/** Options of the enqueue call itself, per job (a batch's jobs each carry their own). */
export const enqueueOptionsShape = {
  /** Same key → same job within the retention window; another payload with it → 409 CONFLICT. */
  idempotencyKey: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  /** Tries in all, the first included. */
  attempts: z.int({ error: 'must be an integer' }).min(1, 'must be ≥ 1').max(50, 'must be at most 50').optional(),
  /** Delay before the first run, in milliseconds (at most 7 days). */
  delayMs: z.int({ error: 'must be an integer' }).min(0, 'must be ≥ 0').max(sevenDaysMs, `must be at most ${sevenDaysMs}`).optional(),
  /** Among waiting jobs, a lower number runs first (BullMQ's rule); 0 = no priority. */
  priority: z.int({ error: 'must be an integer' }).min(0, 'must be ≥ 0').max(maxPriority, `must be at most ${maxPriority}`).optional(),
};

export const apiRequestJobSchema = requestJobSchema.omit({ kind: true }).extend({
  kind: z.literal('request', { error: 'must be "request" (downloads go to POST /v1/downloads)' }).optional(),
  ...enqueueOptionsShape,
});

export type ApiRequestJob = z.output<typeof apiRequestJobSchema>;
