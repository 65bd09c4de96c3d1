import { downloadJobSchema } from '@courier/queue';
import { z } from 'zod';
import { dstProblem } from './download-dst.ts';
import { enqueueOptionsShape } from './request-job.ts';

/**
 * One download job as `POST /v1/downloads` takes it: the queue's own download schema (URL
 * through the origin lib's validators, `sha256` as 64 hex digits, `size` in bytes, optional
 * `headers`), `kind` optional, the enqueue options beside it, and a `dst` that does not
 * obviously leave the download root (`BAD_PATH`).
 */
export function apiDownloadJobSchema(downloadRoot: string | undefined) {
  return downloadJobSchema
    .omit({ kind: true })
    .extend({
      kind: z.literal('download', { error: 'must be "download" (requests go to POST /v1/requests)' }).optional(),
      ...enqueueOptionsShape,
    })
    .superRefine((job, ctx) => {
      const problem = dstProblem(job.dst, downloadRoot);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['dst'], message: problem, params: { courierCode: 'BAD_PATH' } });
    });
}

export type ApiDownloadJob = z.output<ReturnType<typeof apiDownloadJobSchema>>;

/** One job, or `{ jobs: [...] }`; the branch is chosen by the presence of `jobs`, so messages keep their field (`jobs[3].dst: …`). */
export function enqueueDownloadsBodySchema(maxBatch: number, downloadRoot: string | undefined) {
  const job = apiDownloadJobSchema(downloadRoot);
  const batch = z.strictObject({
    jobs: z.array(job).min(1, 'a batch needs at least one job').max(maxBatch, `a batch holds at most ${maxBatch} jobs (COURIER_MAX_BATCH)`),
  });
  return z.unknown().transform((data, ctx): { jobs: ApiDownloadJob[] } => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      ctx.issues.push({ code: 'custom', path: [], message: 'must be a JSON object: one download, or { "jobs": [...] }', input: data });
      return z.NEVER;
    }
    const parsed = 'jobs' in data ? batch.safeParse(data) : job.safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: data } as z.core.$ZodRawIssue);
      return z.NEVER;
    }
    return 'jobs' in parsed.data ? { jobs: parsed.data.jobs } : { jobs: [parsed.data] };
  });
}
