import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { startRedis, type RedisHandle } from '../../../../../test/harness/index.ts';
import { deletePrefix, dumpRedis } from '../../testing/redis-dump.ts';
import { describeDriver } from '../../testing/describe-driver.ts';
import { BullmqDriver } from './bullmq-driver.ts';

let redis: RedisHandle;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describeDriver('bullmq', async (options) => {
  const prefix = `courier-test-${randomUUID()}`;
  const driver = await BullmqDriver.create({ ...options, redisUrl: redis.url, prefix });
  onTestFinished(() => deletePrefix(admin, prefix));
  return { driver, dump: () => dumpRedis(admin, prefix) };
});
