/**
 * One worker process (or the in-process worker of `npm start`): a `@courier/origin` client under
 * the destination policy, the queue, the job handlers (`request` built in, `download` from
 * @courier/download), and an orderly stop: stop taking jobs, finish or hand back the active ones,
 * close the queue, then drain the client (destroyed after a deadline).
 */
import { hostname } from 'node:os';
import { createClient, plutoPolicy, proxyFromEnv, type Client } from '@courier/origin';
import { createDownloadCache, createDownloadJobHandler, startStalePartSweeper, type DownloadCache } from '@courier/download';
import { createJobHandlers, createQueue, startWorker, type QueueDriver, type QueueWorker } from '@courier/queue';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.ts';
import { createDestinationPolicy } from './destination-policy.ts';
import { createWorkerLogger } from './logger.ts';

export interface StartWorkerProcessOptions {
  /** Use this queue (the in-memory one of `npm start`) instead of opening one from `redisUrl`; it is not closed on stop. */
  queue?: QueueDriver;
  logger?: Logger;
}

export interface WorkerProcess {
  readonly workerId: string;
  readonly queue: QueueDriver;
  readonly client: Client;
  /** Orderly stop; idempotent. Resolves when everything is closed. */
  stop(reason?: string): Promise<void>;
}

export async function startWorkerProcess(config: WorkerConfig, options: StartWorkerProcessOptions = {}): Promise<WorkerProcess> {
  const workerId = config.workerId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}`;
  const logger = (options.logger ?? createWorkerLogger(config)).child({ workerId });
  const ownsQueue = options.queue === undefined;
  if (ownsQueue && !config.redisUrl && !config.clusterNodes) {
    throw new Error('REDIS_URL (or REDIS_CLUSTER_NODES): required for a worker of its own (the in-memory queue lives inside the server process)');
  }
  const client = createClient({
    allowAddress: createDestinationPolicy(config.allowDestinations),
    proxy: proxyFromEnv(),
    ...(config.originPolicy ? { policy: config.originPolicy.policy, origins: config.originPolicy.origins } : {}),
  });
  // Pluto facade jobs (`plutoPool`) run under Pluto's pool, with the same destination rules.
  const plutoClient = createClient({
    allowAddress: createDestinationPolicy(config.allowDestinations),
    proxy: proxyFromEnv(),
    policy: { ...plutoPolicy },
  });
  const queue =
    options.queue ??
    (await createQueue({
      redisUrl: config.redisUrl,
      ...(config.clusterNodes ? { clusterNodes: config.clusterNodes } : {}),
      ...(config.queueShards ? { shards: config.queueShards } : {}),
      prefix: config.queuePrefix,
      queueName: config.queueName,
      events: false,
      logger,
    }));

  const handlers = createJobHandlers();
  let cacheRedis: Redis | null = null;
  let cache: DownloadCache | undefined;
  if (config.downloadCacheDir) {
    // Its own connection, failing fast: without Redis a download runs unshared rather than hang
    // (the download README), while BullMQ's connections wait for Redis to come back.
    // On a cluster the lock keys (one key per script) go to whichever node owns them.
    cacheRedis = config.clusterNodes
      ? (new Cluster(config.clusterNodes, { redisOptions: { maxRetriesPerRequest: 2 } }) as unknown as Redis)
      : config.redisUrl
        ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 })
        : null;
    cache = createDownloadCache({ cacheDir: config.downloadCacheDir, ...(cacheRedis ? { redis: cacheRedis } : {}) });
  }
  const download = createDownloadJobHandler({
    client,
    root: config.downloadRoot,
    workerId,
    limits: { maxBytes: config.maxDownloadBytes, maxTransferMs: config.maxDownloadTimeMs },
    ...(cache ? { cache } : {}),
  });
  handlers.register('download', (job) => download(job));
  // Parts of jobs that failed for good or were cancelled between attempts: nobody resumes them.
  const stopPartSweeper =
    config.downloadPartMaxAgeMs > 0
      ? startStalePartSweeper(config.downloadRoot, config.downloadPartMaxAgeMs, Math.min(config.downloadPartMaxAgeMs, 3_600_000), (error) =>
          logger.warn({ err: error }, 'stale download part sweep failed'),
        )
      : () => {};

  const worker: QueueWorker = startWorker({
    queue,
    client,
    plutoClient,
    handlers,
    workerId,
    concurrency: config.concurrency,
    resultsDir: config.resultsDir,
    resultsMaxAgeMs: config.resultsMaxAgeMs,
    resultsMaxBytes: config.resultsMaxBytes,
    upstreamLimits: { maxResponseBytes: config.maxResponseBytes, maxTotalTimeoutMs: config.maxTotalTimeoutMs },
    originLimits: {
      default: { concurrency: config.originConcurrency, rps: config.originRps },
      origins: config.originOverrides,
      leaseTtlMs: config.leaseTtlMs,
      leaseRenewMs: config.leaseRenewMs,
      leaseLingerMs: config.leaseLingerMs,
    },
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    logger,
  });
  logger.info({ driver: queue.name, concurrency: config.concurrency, queue: `${config.queuePrefix}:${config.queueName}` }, 'worker ready');

  let stopping: Promise<void> | null = null;
  const stop = (reason = 'stop') => {
    stopping ??= (async () => {
      logger.info({ reason, graceMs: config.shutdownGraceMs }, 'worker stopping: no new jobs; active ones finish or are handed back');
      // Each step runs even when the one before failed; failures are logged.
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['worker', () => worker.close(config.shutdownGraceMs)],
        ['stale part sweeper', async () => stopPartSweeper()],
        ['queue', async () => (ownsQueue ? queue.close() : undefined)],
        ['client', () => drainClient(client, config.closeDeadlineMs, logger)],
        ['Pluto client', () => drainClient(plutoClient, config.closeDeadlineMs, logger)],
        ['download cache redis', async () => cacheRedis?.quit()],
      ];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (error) {
          logger.error({ err: error }, `stopping: closing the ${what} failed`);
        }
      }
      logger.info('worker stopped');
    })();
    return stopping;
  };
  return { workerId, queue, client, stop };
}

/** `client.close()` (in-flight requests finish), then `destroy()` if that takes longer than the deadline. */
async function drainClient(client: Client, deadlineMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const outcome = await Promise.race([client.close().then(() => 'closed' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'deadline') {
    logger.warn({ deadlineMs }, 'sockets still busy after the close deadline; destroying them');
    await client.destroy();
  }
}
