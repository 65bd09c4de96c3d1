import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import { Redis } from 'ioredis';

export interface BullBoardOptions {
  /** The Redis the BullMQ driver uses. */
  redisUrl: string;
  /** The driver's key prefix and queue name (`COURIER_QUEUE_PREFIX`, `COURIER_QUEUE_NAME`). Not `prefix`: Fastify takes that as the route prefix. */
  queuePrefix: string;
  queueName: string;
  /** Path the board is served under. */
  basePath: string;
}

/**
 * BullMQ's own dashboard (bull-board) for the Redis driver, on a connection of its own so the
 * driver's internals stay private. Read-only: retries and cancels go through the API, which
 * keeps Courier's bookkeeping (idempotency keys, credentials, events) right. Registered as an
 * encapsulated plugin, so the app's auth hook still guards it: a browser gets in with the
 * session cookie from `POST /v1/session`.
 */
export const bullBoardPlugin: FastifyPluginAsync<BullBoardOptions> = async (app, options) => {
  // BullMQ wants `maxRetriesPerRequest: null` on connections it blocks on; the board only reads.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', (error: unknown) => app.log.warn({ err: error }, 'bull-board redis connection error'));
  const queue = new Queue(options.queueName, { connection, prefix: options.queuePrefix });
  app.addHook('onClose', async () => {
    await queue.close();
    connection.disconnect();
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Courier queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: options.basePath });
};
