// `@courier/queue/testing`: the queue's test helpers for tests outside this library (source
// only: src/testing/ is excluded from the build, so only the `@courier/source` condition resolves it).
export { useTestRedis, until, type TestRedis } from './test-redis.ts';
export { describeDriver, type CreateDriver, type DriverUnderTest } from './describe-driver.ts';
export { dumpRedis } from './redis-dump.ts';
export { originSnapshot } from './origin-snapshot.ts';
export { useTestRedisCluster, type TestRedisCluster } from './test-redis-cluster.ts';
