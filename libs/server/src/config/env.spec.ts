import { describe, expect, it } from 'vitest';
import { ConfigError } from '@courier/queue';
import { isLoopbackHost, loadConfig } from './env.ts';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('reads a Redis Cluster seed list and a shard count; neither is set by default', () => {
    expect(loadConfig({})).toMatchObject({ clusterNodes: undefined, queueShards: undefined });
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' redis-1:7000, 10.0.0.2:7001,[::1]:7002 ', COURIER_QUEUE_SHARDS: '6' })).toMatchObject({
      clusterNodes: [
        { host: 'redis-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      queueShards: 6,
    });
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      redisUrl: undefined,
      token: undefined,
      concurrency: 16,
      allowDestinations: [],
      queuePrefix: 'courier',
      queueName: 'jobs',
      logLevel: 'info',
      maxBatch: 1000,
    });
  });

  it('bounds the queue by default, in jobs and in bytes, and validates both variables', () => {
    expect(loadConfig({})).toMatchObject({ maxQueuedJobs: 100_000, maxQueuedBytes: 256 * 1024 * 1024 });
    expect(loadConfig({ COURIER_MAX_QUEUED_JOBS: '200', COURIER_MAX_QUEUED_BYTES: '8388608' })).toMatchObject({ maxQueuedJobs: 200, maxQueuedBytes: 8 * 1024 * 1024 });
    expect(configError({ COURIER_MAX_QUEUED_JOBS: '0' }).variable).toBe('COURIER_MAX_QUEUED_JOBS');
    expect(configError({ COURIER_MAX_QUEUED_JOBS: 'lots' }).variable).toBe('COURIER_MAX_QUEUED_JOBS');
    expect(configError({ COURIER_MAX_QUEUED_BYTES: '1000' }).variable).toBe('COURIER_MAX_QUEUED_BYTES');
  });

  it('sizes batch jobs: 100 requests and 1 MiB by default, both variables validated', () => {
    expect(loadConfig({})).toMatchObject({ batchMaxJobs: 100, batchMaxBytes: 1024 * 1024 });
    expect(loadConfig({ COURIER_BATCH_MAX_JOBS: '20', COURIER_BATCH_MAX_BYTES: '65536' })).toMatchObject({ batchMaxJobs: 20, batchMaxBytes: 65_536 });
    expect(configError({ COURIER_BATCH_MAX_JOBS: '0' }).variable).toBe('COURIER_BATCH_MAX_JOBS');
    expect(configError({ COURIER_BATCH_MAX_BYTES: '10' }).variable).toBe('COURIER_BATCH_MAX_BYTES');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6380/2',
      COURIER_TOKEN: 'a-long-enough-token',
      COURIER_CONCURRENCY: '64',
      COURIER_RESULTS_DIR: '/data/results',
      COURIER_DOWNLOAD_ROOT: '/data/downloads',
      COURIER_ALLOW_DESTINATIONS: '127.0.0.0/8, ::1, *.internal.example:443,localhost,loopback,private',
      COURIER_QUEUE_PREFIX: 'acme',
      COURIER_QUEUE_NAME: 'jobs-2',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      redisUrl: 'redis://127.0.0.1:6380/2',
      token: 'a-long-enough-token',
      concurrency: 64,
      resultsDir: '/data/results',
      downloadRoot: '/data/downloads',
      allowDestinations: ['127.0.0.0/8', '::1', '*.internal.example:443', 'localhost', 'loopback', 'private'],
      queuePrefix: 'acme',
      queueName: 'jobs-2',
      logLevel: 'debug',
    });
  });

  it('treats empty variables as unset (compose passes ${VAR:-})', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '', COURIER_TOKEN: '' })).toMatchObject({ port: 8080, redisUrl: undefined, token: undefined });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '80.5' }, 'PORT'],
    [{ HOST: 'a b' }, 'HOST'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ COURIER_TOKEN: 'short' }, 'COURIER_TOKEN'],
    [{ COURIER_TOKEN: 'has a space in it' }, 'COURIER_TOKEN'],
    [{ COURIER_CONCURRENCY: '0' }, 'COURIER_CONCURRENCY'],
    [{ COURIER_CONCURRENCY: 'many' }, 'COURIER_CONCURRENCY'],
    [{ COURIER_ALLOW_DESTINATIONS: '10.0.0.0/33' }, 'COURIER_ALLOW_DESTINATIONS'],
    [{ COURIER_ALLOW_DESTINATIONS: 'ok.example, bad pattern!' }, 'COURIER_ALLOW_DESTINATIONS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ COURIER_QUEUE_NAME: 'a:b' }, 'COURIER_QUEUE_NAME'],
    [{ COURIER_MAX_BATCH: '-1' }, 'COURIER_MAX_BATCH'],
    [{ REDIS_CLUSTER_NODES: 'redis-1' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:70000' }, 'REDIS_CLUSTER_NODES'],
    [{ COURIER_QUEUE_SHARDS: '0' }, 'COURIER_QUEUE_SHARDS'],
    [{ COURIER_QUEUE_SHARDS: 'three' }, 'COURIER_QUEUE_SHARDS'],
  ])('stops on %j naming %s', (env, variable) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('never echoes the token or the Redis URL (they may hold secrets)', () => {
    expect(configError({ COURIER_TOKEN: 'sec ret' }).message).not.toContain('sec ret');
    expect(configError({ REDIS_URL: 'http://user:hunter2@redis' }).message).not.toContain('hunter2');
  });

});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('COURIER_SENSITIVE_HEADERS', () => {
  it('reads comma-separated header names (lower-cased), none by default, and names a bad one', () => {
    expect(loadConfig({}).sensitiveHeaders).toEqual([]);
    expect(loadConfig({ COURIER_SENSITIVE_HEADERS: 'X-Tenant-Key, x-session ' }).sensitiveHeaders).toEqual(['x-tenant-key', 'x-session']);
    expect(() => loadConfig({ COURIER_SENSITIVE_HEADERS: 'x-ok,not a name' })).toThrow('COURIER_SENSITIVE_HEADERS: sensitive header "not a name" is not a header name');
  });
});
