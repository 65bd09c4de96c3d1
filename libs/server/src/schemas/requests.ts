import { z } from 'zod';
import { apiRequestJobSchema, type ApiRequestJob } from './request-job.ts';

/**
 * `POST /v1/requests` takes one job, or `{ jobs: [...] }`, or `{ "batch": true, jobs: [...] }`
 * (the queue packs them into batch jobs: one queue job carries many requests). A plain `z.union` would answer a bad
 * body with "invalid input" and no field; choosing the branch by the presence of `jobs` first
 * keeps every message pointed at the field (`jobs[3].url: …`).
 */
export function enqueueBodySchema(maxBatch: number) {
  const batch = z.strictObject({
    jobs: z
      .array(apiRequestJobSchema)
      .min(1, 'a batch needs at least one job')
      .max(maxBatch, `a batch holds at most ${maxBatch} jobs (COURIER_MAX_BATCH)`),
    /** Pack the jobs into batch jobs (grouped by origin, `COURIER_BATCH_MAX_JOBS` / `COURIER_BATCH_MAX_BYTES` each). */
    batch: z.boolean({ error: 'must be a boolean' }).optional(),
  });
  return z.unknown().transform((data, ctx): { jobs: ApiRequestJob[]; batch: boolean; batchJobs: boolean } => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      ctx.issues.push({ code: 'custom', path: [], message: 'must be a JSON object: one job, or { "jobs": [...] }', input: data });
      return z.NEVER;
    }
    const isBatch = 'jobs' in data;
    const parsed = isBatch ? batch.safeParse(data) : apiRequestJobSchema.safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: data } as z.core.$ZodRawIssue);
      return z.NEVER;
    }
    if (!isBatch) return { jobs: [parsed.data as ApiRequestJob], batch: false, batchJobs: false };
    const body = parsed.data as { jobs: ApiRequestJob[]; batch?: boolean };
    return { jobs: body.jobs, batch: true, batchJobs: body.batch === true };
  });
}

/** A job id as drivers make them: no path separators, bounded length. */
export const jobIdParams = z.strictObject({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._~-]+$/, 'must be a job id ([A-Za-z0-9._~-])'),
});

/** A day: longer waits are surely mistakes. Within it, the route holds at most `COURIER_MAX_WAIT_MS`. */
const maxWaitAskedMs = 24 * 60 * 60_000;

export const getRequestQuery = z.strictObject({
  /** Wait up to this long for the job to finish, in milliseconds (held at most COURIER_MAX_WAIT_MS; ask again after). */
  wait: z.coerce.number({ error: 'must be a number (milliseconds)' }).int('must be an integer (milliseconds)').min(0, 'must be ≥ 0').max(maxWaitAskedMs, `must be at most ${maxWaitAskedMs}`).optional(),
});

export function listRequestsQuery(maxPage: number) {
  return z
    .strictObject({
      state: z.literal('failed', { error: 'only state=failed can be listed' }),
      start: z.coerce.number().int().min(0).default(0),
      end: z.coerce.number().int().min(0).optional(),
    })
    .transform((q) => ({ ...q, end: q.end ?? q.start + 99 }))
    .refine((q) => q.end >= q.start, { path: ['end'], message: 'must not be below start' })
    .refine((q) => q.end - q.start < maxPage, { path: ['end'], message: `a page holds at most ${maxPage} jobs` });
}

export const enqueueResponse = z.object({
  /** One id per job, in the order given. */
  ids: z.array(z.string()),
  jobs: z.array(z.object({ id: z.string(), duplicate: z.boolean() })),
});
