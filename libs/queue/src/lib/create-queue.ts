import type { QueueDriver } from './driver.ts';
import { BullmqDriver } from './bullmq/bullmq-driver.ts';
import { MemoryDriver } from './memory/memory-driver.ts';
import type { CreateQueueOptions } from './queue-options.ts';

export interface CreateQueueExtraOptions extends CreateQueueOptions {
  /** BullMQ only: open the event reader at once (needed by `wait` and `subscribe`). Default true; workers pass false. */
  events?: boolean;
}

/**
 * The queue for this process: BullMQ on Redis when `redisUrl` is set (the distributed engine),
 * else the in-memory driver (embedded, single process).
 */
export async function createQueue(options: CreateQueueExtraOptions = {}): Promise<QueueDriver> {
  if (options.redisUrl) return BullmqDriver.create({ ...options, redisUrl: options.redisUrl });
  return new MemoryDriver(options);
}
