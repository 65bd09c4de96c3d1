import { openResultBody, type EnqueueOptions, type JobInput, type JobRecord, type QueueEvent } from '@courier/queue';
import { isCourierError } from '@courier/origin';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../../http/api-error.ts';
import { isTerminalEvent, presentJob, terminalStates } from '../../../http/present-job.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';
import type { EventStream } from '../../../plugins/event-streams.ts';
import type { ApiRequestJob } from '../../../schemas/request-job.ts';
import { cancelResponse, retryResponse } from '../../../schemas/responses.ts';
import { enqueueBodySchema, enqueueResponse, getRequestQuery, jobIdParams, listRequestsQuery } from '../../../schemas/requests.ts';
import { splitEnqueueOptions } from '../../../http/enqueue-options.ts';
import { bodyQuery, sendInert } from './inert-body.ts';

export interface RequestsRoutesOptions {
  maxBatch: number;
  /** Longest a `?wait=` is held, in milliseconds (a longer one is cut to it: the caller asks again). */
  maxWaitMs: number;
  maxListPage: number;
  /** Where the worker writes bodies too large to inline (`COURIER_RESULTS_DIR`). */
  resultsDir: string;
}

/** One API job as the queue's job input and its enqueue options. */
function toQueueJob(job: ApiRequestJob): { input: JobInput; options: EnqueueOptions } {
  const { fields, options } = splitEnqueueOptions(job);
  return { input: { kind: 'request', ...fields }, options };
}

/** Request jobs: enqueue (one or a batch), read, wait, cancel, list and retry failures, follow events. */
export const requestsRoutes: FastifyPluginAsync<RequestsRoutesOptions> = async (plain, options) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  // Records carry upstream headers and bodies: no route here is ever sniffed into another type.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  async function getOr404(id: string): Promise<JobRecord> {
    const record = await app.queue.get(id);
    if (record === null) throw new ApiError('NOT_FOUND', `no job ${id}`, 404);
    return record;
  }

  /** A long poll, cut short when the server starts closing (the caller gets the current record and asks again elsewhere). */
  async function waitUnlessShuttingDown(id: string, timeoutMs: number): Promise<JobRecord | null> {
    const signal = app.shutdown.signal;
    if (signal.aborted) return app.queue.get(id);
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<'stopped'>((resolve) => {
      onAbort = () => resolve('stopped');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([app.queue.wait(id, timeoutMs), stopped]);
      return outcome === 'stopped' ? app.queue.get(id) : outcome;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  app.post(
    '/',
    { schema: { body: enqueueBodySchema(options.maxBatch), response: { 202: enqueueResponse } } },
    async (request, reply) => {
      const jobs = request.body.jobs.map(toQueueJob);
      const results = await app.queue.enqueue(
        jobs.map((j) => j.input),
        jobs.map((j) => j.options),
        { batch: request.body.batchJobs },
      );
      request.log.info({ jobs: results.length, duplicates: results.filter((r) => r.duplicate).length, batchJobs: request.body.batchJobs }, 'enqueued');
      return reply.code(202).send({ ids: results.map((r) => r.id), jobs: results });
    },
  );

  app.get('/', { schema: { querystring: listRequestsQuery(options.maxListPage) } }, async (request) => {
    const { start, end } = request.query;
    const jobs = await app.queue.listFailed(start, end);
    return { state: 'failed', start, end, jobs: jobs.map(presentJob) };
  });

  app.get('/:id', { schema: { params: jobIdParams, querystring: getRequestQuery } }, async (request) => {
    const { id } = request.params;
    const wait = Math.min(request.query.wait ?? 0, options.maxWaitMs);
    const record = wait > 0 ? await waitUnlessShuttingDown(id, wait) : await app.queue.get(id);
    if (record === null) throw new ApiError('NOT_FOUND', `no job ${id}`, 404);
    return presentJob(record);
  });

  app.delete('/:id', { schema: { params: jobIdParams, response: { 200: cancelResponse } } }, async (request) => {
    const { id } = request.params;
    const before = await getOr404(id);
    if (terminalStates.has(before.state)) throw new ApiError('CONFLICT', `job ${id} is already ${before.state}`, 409);
    if (!(await app.queue.cancel(id))) {
      const after = await getOr404(id);
      throw new ApiError('CONFLICT', `job ${id} is already ${after.state}`, 409);
    }
    return { id, cancelled: true as const };
  });

  app.post('/:id/retry', { schema: { params: jobIdParams, response: { 202: retryResponse } } }, async (request, reply) => {
    const { id } = request.params;
    const record = await getOr404(id);
    if (record.state !== 'failed') throw new ApiError('CONFLICT', `job ${id} is ${record.state}: only failed jobs can be retried`, 409);
    if (!(await app.queue.retry(id))) throw new ApiError('CONFLICT', `job ${id} could not be retried (its state changed)`, 409);
    return reply.code(202).send({ id, retried: true });
  });

  // The response body of a completed request job, as bytes: inline ones decoded, large ones from
  // the results directory. Always inert (see sendInert): it is upstream content on our origin.
  app.get('/:id/body', { schema: { params: jobIdParams, querystring: bodyQuery } }, async (request, reply) => {
    const { id } = request.params;
    const record = await getOr404(id);
    const result = record.result;
    if (record.state !== 'completed' || result?.kind !== 'request') {
      throw new ApiError('NOT_FOUND', `job ${id} has no response body (state ${record.state})`, 404);
    }
    const contentType = result.headers['content-type'];
    const inline = request.query.inline === '1' || request.query.inline === 'true';
    const upstreamType = Array.isArray(contentType) ? contentType[0] : contentType;
    if (result.bodyFile === undefined) {
      sendInert(reply, id, upstreamType, inline);
      return reply.send(result.bodyBase64 === undefined ? Buffer.alloc(0) : Buffer.from(result.bodyBase64, 'base64'));
    }
    // Opened before any header is set: a refusal is a plain JSON error, not a download.
    const file = await openResultBody(options.resultsDir, result.bodyFile).catch((error: unknown) => {
      if (isCourierError(error) && error.code === 'NOT_FOUND') {
        throw new ApiError('NOT_FOUND', `the body file of job ${id} is not on this machine (share COURIER_RESULTS_DIR)`, 404);
      }
      throw error;
    });
    sendInert(reply, id, upstreamType, inline);
    reply.header('content-length', file.size);
    return reply.send(file.stream);
  });

  app.get('/:id/events', { schema: { params: jobIdParams } }, async (request, reply) => {
    const { id } = request.params;
    // Subscribe before reading the state, or an event between the two would be lost (DESIGN, BullMQ in tests).
    const early: QueueEvent[] = [];
    const live: { stream?: EventStream } = {};
    const unsubscribe = app.queue.subscribe((event) => {
      if (event.id !== id) return;
      if (live.stream === undefined) early.push(event);
      else forward(event);
    });
    let record: JobRecord | null;
    try {
      record = await app.queue.get(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (record === null) {
      unsubscribe();
      throw new ApiError('NOT_FOUND', `no job ${id}`, 404);
    }
    const opened = app.eventStreams.open(request, reply);
    live.stream = opened;
    opened.onClose(unsubscribe);
    opened.send('state', presentJob(record));
    if (terminalStates.has(record.state)) {
      opened.close();
      return reply;
    }
    for (const event of early.splice(0)) forward(event);

    function forward(event: QueueEvent): void {
      opened.send(event.type, event);
      if (isTerminalEvent(event)) opened.close();
    }
    return reply;
  });
};
