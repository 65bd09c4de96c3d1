import { queueDefaults, type ClusterNode } from '@courier/queue';
import fp from 'fastify-plugin';
import { CampaignEngine } from './campaign-engine.ts';
import type { CampaignStore } from './campaign-store.ts';
import { MemoryCampaignStore } from './memory-campaign-store.ts';
import { RedisCampaignStore } from './redis/redis-campaign-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    campaigns: CampaignEngine;
  }
}

export interface CampaignsPluginOptions {
  /** A store of the caller's (tests); closed with the app all the same. */
  store?: CampaignStore;
  /** The queue's Redis, prefix and name: with the BullMQ driver, campaigns are kept there beside the jobs. */
  redis?: { url: string; prefix?: string; queueName?: string; clusterNodes?: readonly ClusterNode[] };
  /** Period of the engine's check of open jobs against the queue, in milliseconds. */
  reconcileIntervalMs?: number;
}

/**
 * The campaign engine as `app.campaigns`, on the app's queue. With the BullMQ driver campaigns
 * live in its Redis (a restarted server picks up the running ones); with the in-memory driver
 * they live in this process, as its jobs do.
 */
export const campaignsPlugin = fp<CampaignsPluginOptions>(
  async (app, options) => {
    let store = options.store;
    if (store === undefined && app.queue.name === 'bullmq' && options.redis !== undefined) {
      store = new RedisCampaignStore({
        redisUrl: options.redis.url,
        prefix: options.redis.prefix ?? queueDefaults.prefix,
        queueName: options.redis.queueName ?? queueDefaults.queueName,
        ...(options.redis.clusterNodes ? { clusterNodes: options.redis.clusterNodes } : {}),
      });
    }
    if (store === undefined) {
      if (app.queue.name === 'bullmq') app.log.warn('campaigns are kept in memory (no Redis URL given to the app): they end with this process');
      store = new MemoryCampaignStore();
    }
    const engine = new CampaignEngine({
      queue: app.queue,
      store,
      logger: app.log,
      ...(options.reconcileIntervalMs === undefined ? {} : { reconcileIntervalMs: options.reconcileIntervalMs }),
    });
    app.decorate('campaigns', engine);
    await engine.start();
    app.addHook('onClose', async () => {
      await engine.close();
      await store.close();
    });
  },
  { name: 'courier-campaigns', fastify: '5.x', dependencies: ['courier-queue'] },
);
