import type { EnqueueOptions, JobInputLike } from '@courier/queue';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../../http/api-error.ts';
import { presentJob } from '../../../http/present-job.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';
import { enqueueDownloadsBodySchema, type ApiDownloadJob } from '../../../schemas/downloads.ts';
import { enqueueResponse, jobIdParams } from '../../../schemas/requests.ts';
import { splitEnqueueOptions } from '../../../http/enqueue-options.ts';

export interface DownloadsRoutesOptions {
  maxBatch: number;
  /** The server's `COURIER_DOWNLOAD_ROOT`: absolute `dst`s inside it are accepted; unset → relative ones only. */
  downloadRoot: string | undefined;
}

/** One API job as the queue's job input and its enqueue options. */
function toQueueJob(job: ApiDownloadJob): { input: JobInputLike; options: EnqueueOptions } {
  const { fields, options } = splitEnqueueOptions(job);
  return { input: { kind: 'download', ...fields }, options };
}

/**
 * Download jobs: enqueue one or a batch, read one. Everything else a job offers works on their
 * ids through `/v1/requests/:id` (wait, events with progress, cancel, retry): both kinds share
 * one queue and one record shape.
 */
export const downloadsRoutes: FastifyPluginAsync<DownloadsRoutesOptions> = async (plain, options) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/',
    { schema: { body: enqueueDownloadsBodySchema(options.maxBatch, options.downloadRoot), response: { 202: enqueueResponse } } },
    async (request, reply) => {
      const jobs = request.body.jobs.map(toQueueJob);
      const results = await app.queue.enqueue(
        jobs.map((j) => j.input),
        jobs.map((j) => j.options),
      );
      request.log.info({ downloads: results.length, duplicates: results.filter((r) => r.duplicate).length }, 'downloads enqueued');
      return reply.code(202).send({ ids: results.map((r) => r.id), jobs: results });
    },
  );

  app.get('/:id', { schema: { params: jobIdParams } }, async (request) => {
    const { id } = request.params;
    const record = await app.queue.get(id);
    if (record === null || record.kind !== 'download') throw new ApiError('NOT_FOUND', `no download job ${id}`, 404);
    return presentJob(record);
  });
};
