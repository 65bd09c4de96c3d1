/**
 * A fleet for the campaign and download e2e tests: worker processes running `courier worker`
 * (spawned as test/service does), on a fresh key prefix of a real Redis, and the API app of
 * @courier/server in this process on the same queue (driven through app.inject: no port needed).
 * Everything is cleaned up when the test finishes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue, type QueueDriver } from '@courier/queue';
import { buildApp } from '@courier/server';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import type { RedisHandle } from '../../harness/index.ts';
import { startWorkerChild, type WorkerChild } from '../../service/processes.ts';

export interface Fleet {
  prefix: string;
  /** The workers' COURIER_DOWNLOAD_ROOT. */
  root: string;
  /** The workers' COURIER_DOWNLOAD_CACHE_DIR, when asked for. */
  cacheDir: string | undefined;
  workers: WorkerChild[];
}

export async function startFleet(redis: RedisHandle, options: { workers: number; concurrency?: number; cache?: boolean }): Promise<Fleet> {
  const prefix = `courier-test-${randomUUID()}`;
  const base = await mkdtemp(join(tmpdir(), 'courier-fleet-'));
  onTestFinished(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'downloads');
  // On the download root's filesystem, so every dst is a hard link to the cached blob, not a copy.
  const cacheDir = options.cache ? join(base, 'cache') : undefined;
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    COURIER_QUEUE_PREFIX: prefix,
    COURIER_RESULTS_DIR: join(base, 'results'),
    COURIER_DOWNLOAD_ROOT: root,
    ...(cacheDir === undefined ? {} : { COURIER_DOWNLOAD_CACHE_DIR: cacheDir }),
    COURIER_ALLOW_DESTINATIONS: 'loopback',
    COURIER_CONCURRENCY: String(options.concurrency ?? 16),
    // DESIGN "Tests and traffic": a lock a starved worker won't lose, quick stall detection.
    COURIER_LOCK_DURATION_MS: '10000',
    COURIER_STALLED_INTERVAL_MS: '1000',
    COURIER_MAX_STALLED_COUNT: '3',
    COURIER_LEASE_TTL_MS: '10000',
    COURIER_LEASE_RENEW_MS: '1000',
  };
  const workers = Array.from({ length: options.workers }, (_, i) => startWorkerChild(`fleet-w${i}`, env));
  await Promise.all(workers.map((w) => w.ready));
  return { prefix, root, cacheDir, workers };
}

export interface Api {
  app: FastifyInstance;
  queue: QueueDriver;
  /** Closes the app and its queue now (a server going away); also done when the test finishes. */
  close(): Promise<void>;
}

/** The API app on the fleet's queue; campaigns are kept in that Redis (the server's own configuration path). */
export async function startApi(redis: RedisHandle, fleet: Fleet): Promise<Api> {
  const queue = await createQueue({ redisUrl: redis.url, prefix: fleet.prefix });
  const app = await buildApp({
    config: {
      token: undefined,
      bodyLimitBytes: 16 * 1024 * 1024,
      maxBatch: 1_000,
      maxWaitMs: 10_000,
      metricsTopOrigins: 20,
      resultsDir: join(fleet.root, '..', 'results'),
      redisUrl: redis.url,
      queuePrefix: fleet.prefix,
      queueName: 'jobs',
    },
    queue,
    sseHeartbeatMs: 60_000,
    campaignCheckIntervalMs: 500,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await queue.close();
    })();
    return closing;
  };
  onTestFinished(close);
  return { app, queue, close };
}

/** Polls an API answer (campaigns have no event stream) until `done` holds, within a watchdog. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, watchdogMs: number, what: string): Promise<T> {
  const deadline = Date.now() + watchdogMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${watchdogMs} ms; last ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
