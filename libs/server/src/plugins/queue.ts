import type { QueueDriver } from '@courier/queue';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    queue: QueueDriver;
  }
}

export interface QueuePluginOptions {
  queue: QueueDriver;
  /** Close the driver with the app (the launcher hands it over); false when the caller keeps it. */
  ownsQueue: boolean;
}

/** The queue driver every route talks to: BullMQ on Redis or the in-memory one. */
export const queuePlugin = fp<QueuePluginOptions>(
  async (app, options) => {
    app.decorate('queue', options.queue);
    if (options.ownsQueue) {
      app.addHook('onClose', async () => {
        await options.queue.close();
      });
    }
  },
  { name: 'courier-queue', fastify: '5.x' },
);
