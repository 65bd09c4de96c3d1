import { ConfigError } from '@courier/queue';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from './config.ts';

function errorOf(env: Record<string, string>): string {
  try {
    loadWorkerConfig(env);
    return 'OK';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('worker configuration', () => {
  it('has defaults for everything but REDIS_URL', () => {
    const config = loadWorkerConfig({});
    expect(config).toMatchObject({ redisUrl: undefined, concurrency: 16, queuePrefix: 'courier', queueName: 'jobs', allowDestinations: [], originConcurrency: 32, leaseLingerMs: 20, logLevel: 'info' });
  });

  it('reads a Redis Cluster seed list and a shard count, and names a bad one', () => {
    expect(loadWorkerConfig({})).toMatchObject({ clusterNodes: undefined, queueShards: undefined });
    expect(loadWorkerConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', COURIER_QUEUE_SHARDS: '3' })).toMatchObject({
      clusterNodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
      queueShards: 3,
    });
    expect(errorOf({ REDIS_CLUSTER_NODES: '127.0.0.1' })).toMatch(/^REDIS_CLUSTER_NODES: .*host:port/);
    expect(errorOf({ COURIER_QUEUE_SHARDS: '2000' })).toBe('COURIER_QUEUE_SHARDS: must be ≤ 1024 (got "2000")');
  });

  it('reads every variable', () => {
    const config = loadWorkerConfig({
      REDIS_URL: 'redis://127.0.0.1:6380',
      COURIER_CONCURRENCY: '8',
      COURIER_RESULTS_DIR: '/var/courier/results',
      COURIER_ALLOW_DESTINATIONS: 'loopback, 10.1.0.0/16,*.svc.cluster.local',
      COURIER_ORIGIN_CONCURRENCY: '2',
      COURIER_ORIGIN_LIMITS: '[{"match":"*.example.com","concurrency":4,"rps":10}]',
      COURIER_LEASE_LINGER_MS: '0',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6380',
      concurrency: 8,
      resultsDir: '/var/courier/results',
      allowDestinations: ['loopback', '10.1.0.0/16', '*.svc.cluster.local'],
      originConcurrency: 2,
      originOverrides: [{ match: '*.example.com', concurrency: 4, rps: 10 }],
      leaseLingerMs: 0,
      logLevel: 'warn',
    });
  });

  it('stops on a bad value with a message naming the variable', () => {
    expect(errorOf({ REDIS_URL: 'http://x' })).toMatch(/^REDIS_URL: /);
    expect(errorOf({ COURIER_CONCURRENCY: 'lots' })).toMatch(/^COURIER_CONCURRENCY: /);
    expect(errorOf({ COURIER_CONCURRENCY: '0' })).toMatch(/^COURIER_CONCURRENCY: must be ≥ 1/);
    expect(errorOf({ COURIER_ALLOW_DESTINATIONS: '10.0.0.0/99' })).toMatch(/^COURIER_ALLOW_DESTINATIONS: /);
    expect(errorOf({ COURIER_ALLOW_DESTINATIONS: 'not a host!' })).toMatch(/^COURIER_ALLOW_DESTINATIONS: /);
    expect(errorOf({ LOG_LEVEL: 'loud' })).toMatch(/^LOG_LEVEL: /);
    // The server's error class too: the CLI reports both processes' bad settings alike.
    expect(() => loadWorkerConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(errorOf({ COURIER_ORIGIN_LIMITS: '{nope' })).toMatch(/^COURIER_ORIGIN_LIMITS: /);
    expect(errorOf({ COURIER_ORIGIN_LIMITS: '[{"match":"x","concurrency":-1}]' })).toMatch(/^COURIER_ORIGIN_LIMITS/);
    expect(errorOf({ COURIER_LEASE_TTL_MS: '2000', COURIER_LEASE_RENEW_MS: '1500' })).toMatch(/^COURIER_LEASE_RENEW_MS: /);
    expect(errorOf({ COURIER_LEASE_LINGER_MS: '-1' })).toMatch(/^COURIER_LEASE_LINGER_MS: /);
    // The operator maxima have no "unlimited": 0 is refused.
    expect(errorOf({ COURIER_MAX_RESPONSE_BYTES: '0' })).toMatch(/^COURIER_MAX_RESPONSE_BYTES: must be ≥ 1/);
    expect(errorOf({ COURIER_MAX_TOTAL_TIMEOUT_MS: '0' })).toMatch(/^COURIER_MAX_TOTAL_TIMEOUT_MS: must be ≥ 1/);
    expect(errorOf({ COURIER_MAX_DOWNLOAD_BYTES: 'big' })).toMatch(/^COURIER_MAX_DOWNLOAD_BYTES: /);
    expect(errorOf({ COURIER_RESULTS_MAX_BYTES: '-1' })).toMatch(/^COURIER_RESULTS_MAX_BYTES: /);
  });

  it('reads the operator maxima on what an upstream may send', () => {
    const config = loadWorkerConfig({
      COURIER_MAX_RESPONSE_BYTES: '1048576',
      COURIER_MAX_TOTAL_TIMEOUT_MS: '30000',
      COURIER_MAX_DOWNLOAD_BYTES: '2147483648',
      COURIER_MAX_DOWNLOAD_TIME_MS: '60000',
      COURIER_RESULTS_MAX_AGE_MS: '0',
      COURIER_RESULTS_MAX_BYTES: '1000',
    });
    expect(config).toMatchObject({
      maxResponseBytes: 1_048_576,
      maxTotalTimeoutMs: 30_000,
      maxDownloadBytes: 2_147_483_648,
      maxDownloadTimeMs: 60_000,
      resultsMaxAgeMs: 0,
      resultsMaxBytes: 1000,
    });
  });
});

describe('COURIER_SENSITIVE_HEADERS', () => {
  it('reads the server’s list of sensitive header names, and names a bad one', () => {
    expect(loadWorkerConfig({}).sensitiveHeaders).toEqual([]);
    expect(loadWorkerConfig({ COURIER_SENSITIVE_HEADERS: 'X-Tenant-Key' }).sensitiveHeaders).toEqual(['x-tenant-key']);
    expect(errorOf({ COURIER_SENSITIVE_HEADERS: 'a:b' })).toBe('COURIER_SENSITIVE_HEADERS: sensitive header "a:b" is not a header name (got "a:b")');
  });
});
