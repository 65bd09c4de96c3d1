import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';

/** Pauses between tries, in milliseconds: doubling, then every 30 s (one line each). */
export const redisBackoffMs = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000] as const;
/** One try's bound (connect and PING), in milliseconds. */
const tryTimeoutMs = 3_000;

/**
 * What to wait for: `REDIS_URL`, or on a cluster (`REDIS_CLUSTER_NODES`) its first seed node, with
 * `REDIS_URL`'s credentials if set. Undefined without either.
 */
export function redisWaitUrl(config: { redisUrl: string | undefined; clusterNodes?: ReadonlyArray<{ host: string; port: number }> | undefined }): string | undefined {
  const seed = config.clusterNodes?.[0];
  if (!seed) return config.redisUrl;
  const url = new URL(config.redisUrl ?? 'redis://localhost');
  url.hostname = seed.host.includes(':') ? `[${seed.host}]` : seed.host;
  url.port = String(seed.port);
  return url.href;
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

/** One connection, one PING, closed again: null when Redis answered, else why not. */
async function tryRedis(url: string): Promise<string | null> {
  // No retries and no offline queue: this try fails at once, the loop below decides when to try again.
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: tryTimeoutMs, commandTimeout: tryTimeoutMs });
  // The socket's error (ECONNREFUSED …) says more than connect()'s "Connection is closed".
  let cause: NodeJS.ErrnoException | undefined;
  redis.on('error', (error: NodeJS.ErrnoException) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const reason = cause ?? (error as NodeJS.ErrnoException);
    return reason.code ?? reason.message;
  } finally {
    redis.disconnect();
  }
}

/**
 * Before a server or worker starts on Redis: waits until Redis answers, printing one line per
 * backoff step (not one per reconnect of every connection), and gives up at once on SIGTERM or
 * SIGINT (exit 143 / 130). Without it a process with Redis away sat silent, then logged a warning
 * for every retry of every connection, and took its shutdown grace to stop.
 */
export async function waitForRedis(url: string, io: CliIo, backoffMs: readonly number[] = redisBackoffMs): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    for (let attempt = 0; ; attempt += 1) {
      const why = await tryRedis(url);
      if (why === null) {
        if (attempt > 0) io.err(`courier: Redis at ${shown(url)} answers; starting`);
        return;
      }
      if (stop.signal.aborted) break;
      const pause = backoffMs[Math.min(attempt, backoffMs.length - 1)]!;
      io.err(`courier: Redis at ${shown(url)} not reachable (${why}); next try in ${pause / 1000} s (REDIS_URL; Ctrl-C or SIGTERM stops)`);
      const waited = await sleep(pause, true, { signal: stop.signal }).catch(() => false);
      if (!waited) break;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const signal = stop.signal.reason as NodeJS.Signals;
  throw new CliError(`stopped by ${signal} while waiting for Redis`, signal === 'SIGINT' ? exitCodes.sigint : exitCodes.sigterm);
}
