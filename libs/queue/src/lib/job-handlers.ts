/**
 * Which code runs a job of each kind. `request` is built in; apps register the others (the
 * worker app registers `download` from @courier/download — queue and download never import
 * each other).
 */
import { CourierError, type Client } from '@courier/origin';
import type { JobHandler, JobResult, QueueLogger } from './driver.ts';
import type { JobInput, JobKind, RequestJob } from './job-schema.ts';
import { runRequestJob } from './request-job.ts';
import type { UpstreamLimits } from './upstream-limits.ts';

/** What a handler gets besides the job: the worker's client and settings. */
export interface JobContext {
  client: Client;
  /** The client for `plutoPool` request jobs (Pluto's pool); without it they use `client`. */
  plutoClient?: Client;
  workerId: string;
  /** Where large results (and anything a handler writes per job) go. */
  resultsDir: string;
  /** Largest body kept inline in a result, in bytes. */
  inlineBodyBytes: number;
  /** The operator's maxima for request jobs (default `queueDefaults.upstream`). */
  limits?: UpstreamLimits;
  logger?: QueueLogger;
}

export type QueuedJob<I extends JobInput = JobInput> = Omit<Parameters<JobHandler>[0], 'input'> & { input: I };

export type KindHandler<I extends JobInput = JobInput> = (job: QueuedJob<I>, context: JobContext) => Promise<JobResult>;

export class JobHandlerRegistry {
  readonly #handlers = new Map<JobKind, KindHandler>();

  /** Registers (or replaces) the handler of a kind. */
  register<K extends JobKind>(kind: K, handler: KindHandler<Extract<JobInput, { kind: K }>>): void {
    this.#handlers.set(kind, handler as KindHandler);
  }

  has(kind: JobKind): boolean {
    return this.#handlers.has(kind);
  }

  /** The handler for a job's kind; a kind nobody registered fails the job, without retry. */
  handle(job: QueuedJob, context: JobContext): Promise<JobResult> {
    const handler = this.#handlers.get(job.input.kind);
    if (!handler) {
      return Promise.reject(new CourierError('BAD_JOB', `this worker has no handler for ${job.input.kind} jobs`, { retryable: false }));
    }
    return handler(job, context);
  }
}

/** The built-in handler of `request` jobs. */
export const requestJobHandler: KindHandler<RequestJob> = (job, context) =>
  runRequestJob(job.input.plutoPool === true && context.plutoClient ? context.plutoClient : context.client, job, context);

/** A registry with the built-in handlers (`request`), for a worker that adds its own. */
export function createJobHandlers(): JobHandlerRegistry {
  const registry = new JobHandlerRegistry();
  registry.register('request', requestJobHandler);
  return registry;
}

/** The registry `startWorker` uses unless given another one; `request` is registered. */
export const defaultJobHandlers = createJobHandlers();

/** Registers a handler in the default registry (@courier/worker registers `download` this way). */
export function registerJobHandler<K extends JobKind>(kind: K, handler: KindHandler<Extract<JobInput, { kind: K }>>): void {
  defaultJobHandlers.register(kind, handler);
}
