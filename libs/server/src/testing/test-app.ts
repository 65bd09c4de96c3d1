// Test helper (fastify/demo's `test/helper.ts`): a real app on the real in-memory queue with a
// real worker and origin client, driven through `app.inject` — no port is opened. Everything it
// starts is closed when the test finishes, in order: app, worker, queue, client.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type ClientOptions } from '@courier/origin';
import { createQueue, queueDefaults, startWorker, type QueueDriver, type QueueWorker } from '@courier/queue';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
// Test support (excluded from the build): the shared fixtures by path, through their index file
// (the one path eslint.config.js allows src/testing/ to reach outside its library).
import { startHttpFixture, type HttpFixture, type HttpFixtureOptions } from '../../../../test/fixtures/index.ts';
import { buildApp, type AppConfig } from '../app.ts';
import { defaults } from '../config/defaults.ts';
import type { OriginsView } from '../origins/origins-view.ts';

export interface TestApp {
  app: FastifyInstance;
  queue: QueueDriver;
  client: Client;
  worker: QueueWorker | undefined;
  resultsDir: string;
}

export interface TestAppOptions {
  token?: string;
  /** Start an in-process worker (default true); false leaves jobs waiting. */
  worker?: boolean;
  config?: Partial<AppConfig>;
  /** Largest body kept inline by the worker, in bytes. */
  inlineBodyBytes?: number;
  /** Most jobs waiting, delayed or active before QUEUE_FULL. */
  maxDepth?: number;
  client?: ClientOptions;
  /** BullMQ on this Redis (a fresh key prefix per test) instead of the in-memory driver; bull-board on. */
  redisUrl?: string;
  /** Where `/v1/origins` and the dashboard look (e.g. a fleet view made up by the test). */
  originsView?: OriginsView;
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'courier-server-test-'));
  const prefix = `courier-test-${randomUUID()}`;
  const queue = await createQueue({
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl, prefix }),
  });
  const client = createClient(options.client);
  const worker =
    options.worker === false
      ? undefined
      : startWorker({
          queue,
          client,
          concurrency: 4,
          resultsDir,
          // DESIGN "BullMQ in tests": a long lock, so a starved worker on a busy machine is not taken for dead.
          lockDurationMs: 15_000,
          ...(options.inlineBodyBytes === undefined ? {} : { inlineBodyBytes: options.inlineBodyBytes }),
        });
  const config: AppConfig = {
    token: options.token,
    bodyLimitBytes: defaults.bodyLimitBytes,
    maxBatch: defaults.maxBatch,
    maxWaitMs: 10_000,
    metricsTopOrigins: defaults.metricsTopOrigins,
    resultsDir,
    ...options.config,
  };
  const app = await buildApp({
    config,
    queue,
    client,
    sseHeartbeatMs: 60_000,
    ...(options.originsView === undefined ? {} : { originsView: options.originsView }),
    ...(options.redisUrl === undefined ? {} : { bullBoard: { redisUrl: options.redisUrl, queuePrefix: prefix, queueName: queueDefaults.queueName } }),
  });
  onTestFinished(async () => {
    await app.close();
    await worker?.close(1_000);
    await queue.close();
    await client.destroy();
    rmSync(resultsDir, { recursive: true, force: true });
  });
  return { app, queue, client, worker, resultsDir };
}

/** Parses an `app.inject` JSON answer. */
export function json<T = Record<string, unknown>>(response: { body: string }): T {
  return JSON.parse(response.body) as T;
}

/** A loopback fixture origin for jobs to call, closed when the test finishes. */
export async function startOrigin(options: HttpFixtureOptions = {}): Promise<HttpFixture> {
  const fixture = await startHttpFixture(options);
  onTestFinished(() => fixture.close());
  return fixture;
}
