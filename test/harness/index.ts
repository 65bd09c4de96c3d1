export { allFinished, requestsFinished } from './all-finished.ts';
export { courierCommand } from './courier-command.ts';
export { ensureDebianPackage, findBinary } from './debian-package.ts';
export { freePort } from './free-port.ts';
export { startRedis, type RedisHandle, type RedisOptions } from './redis.ts';
export { redisCommand, type RespReply } from './resp.ts';
export { until } from './until.ts';
export { repoRoot, runCourier, serveCourier, serverEnv, spawnCourier, type CourierRun, type ServedCourier } from './courier-process.ts';
export { startRedisCluster, type RedisClusterHandle, type RedisClusterOptions } from './redis-cluster.ts';
