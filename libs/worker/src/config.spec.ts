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
    expect(errorOf({ COURIER_ORIGIN_LIMITS: '{nope' })).toMatch(/^COURIER_ORIGIN_LIMITS: /);
    expect(errorOf({ COURIER_ORIGIN_LIMITS: '[{"match":"x","concurrency":-1}]' })).toMatch(/^COURIER_ORIGIN_LIMITS/);
    expect(errorOf({ COURIER_LEASE_TTL_MS: '2000', COURIER_LEASE_RENEW_MS: '1500' })).toMatch(/^COURIER_LEASE_RENEW_MS: /);
    expect(errorOf({ COURIER_LEASE_LINGER_MS: '-1' })).toMatch(/^COURIER_LEASE_LINGER_MS: /);
  });
});
