import { CourierError } from '@courier/origin';
import { sensitiveHeaderNames } from './credentials.ts';
import { queueDefaults } from './defaults.ts';
import type { QueueLogger } from './driver.ts';

/** How long finished jobs are kept (and so how long an idempotency key holds). */
export interface RetentionOptions {
  /** Completed jobs older than this are removed, in milliseconds. */
  completedAgeMs: number;
  /** At most this many completed jobs are kept (the oldest go first). */
  completedCount: number;
  /** Failed (and cancelled) jobs older than this are removed, in milliseconds. */
  failedAgeMs: number;
  /** At most this many failed jobs are kept. */
  failedCount: number;
}

/** What one batch job may carry. */
export interface BatchLimits {
  /** Most requests per batch job. */
  maxJobs: number;
  /** Most payload bytes (`payloadBytes`) per batch job; a single larger request goes alone. */
  maxBytes: number;
}

export interface CreateQueueOptions {
  /** `redis://` or `rediss://` URL: set → BullMQ on Redis; unset → in-memory, this process only. */
  redisUrl?: string;
  /** Redis key prefix. Default `courier`. */
  prefix?: string;
  /** Queue name. Default `jobs`. */
  queueName?: string;
  retention?: Partial<RetentionOptions>;
  /** Most jobs waiting, delayed or active at once; more gives `QUEUE_FULL`. Default `queueDefaults.depth.maxJobs`. */
  maxDepth?: number;
  /** Most payload bytes (`payloadBytes`) of jobs waiting, delayed or active; more gives `QUEUE_FULL`. Default `queueDefaults.depth.maxBytes`. */
  maxQueuedBytes?: number;
  /** Producer-side Redis command timeout, in milliseconds (then `QUEUE_UNAVAILABLE`). Default 5 s. */
  commandTimeoutMs?: number;
  /** Batch jobs: most requests and most payload bytes per queue job. Default `queueDefaults.batch`. */
  batch?: Partial<BatchLimits>;
  logger?: QueueLogger;
  /** Header names redacted in stored jobs (and sent from the secrets store), beside the built-in credential headers. */
  sensitiveHeaders?: readonly string[];
}

export interface ResolvedQueueOptions {
  redisUrl: string | undefined;
  prefix: string;
  queueName: string;
  retention: RetentionOptions;
  maxDepth: number;
  maxQueuedBytes: number;
  commandTimeoutMs: number;
  batch: BatchLimits;
  logger: QueueLogger | undefined;
  sensitiveHeaders: ReadonlySet<string>;
}

const namePattern = /^[A-Za-z0-9_.-]{1,100}$/;
/** A prefix may be a Redis Cluster hash tag, `{name}`: every key of the queue then shares one slot. */
const prefixPattern = /^(?:[A-Za-z0-9_.-]{1,100}|\{[A-Za-z0-9_.-]{1,100}\})$/;

export function resolveQueueOptions(options: CreateQueueOptions): ResolvedQueueOptions {
  const prefix = options.prefix ?? queueDefaults.prefix;
  const queueName = options.queueName ?? queueDefaults.queueName;
  if (!prefixPattern.test(prefix)) throw new CourierError('BAD_OPTION', 'prefix: letters, digits, _ . - only (1 to 100), or that in braces (a cluster hash tag)');
  if (!namePattern.test(queueName)) throw new CourierError('BAD_OPTION', 'queueName: letters, digits, _ . - only (1 to 100)');
  const retention = { ...queueDefaults.retention, ...options.retention };
  for (const [key, value] of Object.entries(retention)) {
    if (!Number.isInteger(value) || value < 0) throw new CourierError('BAD_OPTION', `retention.${key} must be an integer ≥ 0`);
  }
  if (options.maxDepth !== undefined && (!Number.isInteger(options.maxDepth) || options.maxDepth < 1)) {
    throw new CourierError('BAD_OPTION', 'maxDepth must be a positive integer');
  }
  if (options.maxQueuedBytes !== undefined && (!Number.isSafeInteger(options.maxQueuedBytes) || options.maxQueuedBytes < 1)) {
    throw new CourierError('BAD_OPTION', 'maxQueuedBytes must be a positive integer');
  }
  const batch = { ...queueDefaults.batch, ...options.batch };
  if (!Number.isInteger(batch.maxJobs) || batch.maxJobs < 1 || batch.maxJobs > 10_000) throw new CourierError('BAD_OPTION', 'batch.maxJobs must be an integer from 1 to 10000');
  if (!Number.isSafeInteger(batch.maxBytes) || batch.maxBytes < 1024) throw new CourierError('BAD_OPTION', 'batch.maxBytes must be an integer ≥ 1024');
  return {
    redisUrl: options.redisUrl,
    prefix,
    queueName,
    retention,
    maxDepth: options.maxDepth ?? queueDefaults.depth.maxJobs,
    maxQueuedBytes: options.maxQueuedBytes ?? queueDefaults.depth.maxBytes,
    commandTimeoutMs: options.commandTimeoutMs ?? queueDefaults.commandTimeoutMs,
    batch,
    logger: options.logger,
    sensitiveHeaders: sensitiveHeaderNames(options.sensitiveHeaders),
  };
}
