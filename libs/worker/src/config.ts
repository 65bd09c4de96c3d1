/**
 * The worker's configuration from the environment, validated once at start: a bad value stops
 * the process with a message naming the variable (DESIGN "Configuration"). An empty variable
 * counts as unset, so compose files can pass `${VAR:-}` through.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadDefaults } from '@courier/download';
import { clusterNodesSetting, ConfigError, emptyAsUnset, queueShardsSetting, type ClusterNode, integerSetting as int, logLevelSetting, nameSetting, optionalNameSetting, parseEnv, queueDefaults, sensitiveHeadersSetting, type LogLevel, type OriginLimitOverride } from '@courier/queue';
import { z } from 'zod';
import { parseDestinationRule } from './destination-policy.ts';
import { readOriginPolicyFile, type OriginPolicyFile } from './origin-policy-file.ts';

export interface WorkerConfig {
  /** `REDIS_URL`: the queue. Required for a standalone worker (unless `REDIS_CLUSTER_NODES` is set; then it only lends credentials and TLS). */
  redisUrl: string | undefined;
  /** `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster (`host:port,…`); set → the queue on the cluster. */
  clusterNodes: ClusterNode[] | undefined;
  /** `COURIER_QUEUE_SHARDS`: BullMQ queues the queue is split into (jobs routed by origin). Default 1; on a cluster, the number of seed nodes. Must match the server's. */
  queueShards: number | undefined;
  /** `COURIER_QUEUE_PREFIX` / `COURIER_QUEUE_NAME`: must match the server's. Defaults `courier` / `jobs`. */
  queuePrefix: string;
  queueName: string;
  /** `COURIER_WORKER_ID`: this worker's name in the fleet view. Default `<hostname>-<pid>`. */
  workerId: string | undefined;
  /** `COURIER_CONCURRENCY`: jobs in flight in this worker. Default 16. */
  concurrency: number;
  /** `COURIER_RESULTS_DIR`: where bodies too large to inline go. Default `<tmpdir>/courier-results`. */
  resultsDir: string;
  /** `COURIER_DOWNLOAD_ROOT`: every download job's `dst` is confined to it. Default `<tmpdir>/courier-downloads`. */
  downloadRoot: string;
  /** `COURIER_DOWNLOAD_CACHE_DIR`: shared download cache (single-flight across workers through Redis). Unset = none. */
  downloadCacheDir: string | undefined;
  /** `COURIER_ALLOW_DESTINATIONS`: CIDRs, addresses, `loopback`/`private`/`link-local` or host patterns exempt from the destination policy. */
  allowDestinations: string[];
  /** `COURIER_ORIGIN_CONCURRENCY` / `COURIER_ORIGIN_RPS`: fleet-wide per-origin defaults (0 = no limit). */
  originConcurrency: number;
  originRps: number;
  /** `COURIER_ORIGIN_LIMITS`: JSON array of per-pattern overrides, e.g. `[{"match":"*.example.com","concurrency":4,"rps":10}]`. */
  originOverrides: OriginLimitOverride[];
  /** `COURIER_LEASE_TTL_MS` / `COURIER_LEASE_RENEW_MS`: fleet lease lifetime and renewal interval. */
  leaseTtlMs: number;
  leaseRenewMs: number;
  /** `COURIER_LEASE_LINGER_MS`: how long a finished job's origin slot waits for this worker's next job to the origin (0 = give it back at once). */
  leaseLingerMs: number;
  /** `COURIER_LOCK_DURATION_MS`, `COURIER_STALLED_INTERVAL_MS`, `COURIER_MAX_STALLED_COUNT`: BullMQ stalled-job recovery. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** `COURIER_SHUTDOWN_GRACE_MS`: on SIGTERM, how long active jobs may finish before they are handed back. */
  shutdownGraceMs: number;
  /** `COURIER_CLOSE_DEADLINE_MS`: after the queue closed, how long sockets may drain before they are destroyed. */
  closeDeadlineMs: number;
  /** `COURIER_CONFIG`: per-origin policy for the client (see origin-policy-file.ts). */
  originPolicy: OriginPolicyFile | undefined;
  /** `COURIER_MAX_RESPONSE_BYTES`: largest response body of a request job (a job may ask less, never more; 0 asked = this). Default 64 MiB. */
  maxResponseBytes: number;
  /** `COURIER_MAX_TOTAL_TIMEOUT_MS`: longest request job, and the bound of its headers/body timeouts (a job may ask less). Default 5 min. */
  maxTotalTimeoutMs: number;
  /** `COURIER_MAX_DOWNLOAD_BYTES`: largest download job without a `size` (a larger `size` is refused). Default 16 GiB. */
  maxDownloadBytes: number;
  /** `COURIER_MAX_DOWNLOAD_TIME_MS`: longest single transfer request of a download job (resumed on the next attempt). Default 6 h. */
  maxDownloadTimeMs: number;
  /** `COURIER_DOWNLOAD_PART_MAX_AGE_MS`: a `.part` under the download root untouched this long is deleted (0 = never). Default 24 h. */
  downloadPartMaxAgeMs: number;
  /** `COURIER_RESULTS_MAX_AGE_MS` / `COURIER_RESULTS_MAX_BYTES`: the results directory's sweep, by age and by total size (0 = off). Defaults 1 h / 4 GiB. */
  resultsMaxAgeMs: number;
  resultsMaxBytes: number;
  /** `LOG_LEVEL`: pino level or `silent`. */
  logLevel: LogLevel;
  /** `COURIER_SENSITIVE_HEADERS`: header names redacted in logs, beside the built-in credential headers (the server's setting). */
  sensitiveHeaders: string[];
}

const optionalPath = z.preprocess(emptyAsUnset, z.string().refine((s) => !s.includes('\0'), "can't contain NUL").optional());

const overrideSchema = z.array(
  z.strictObject({
    match: z.string().min(1),
    concurrency: z.number().int().min(0).optional(),
    rps: z.number().min(0).optional(),
    burst: z.number().int().min(1).optional(),
  }),
);

const envSchema = z.object({
  REDIS_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  REDIS_CLUSTER_NODES: clusterNodesSetting,
  COURIER_QUEUE_SHARDS: queueShardsSetting,
  COURIER_QUEUE_PREFIX: nameSetting(queueDefaults.prefix),
  COURIER_QUEUE_NAME: nameSetting(queueDefaults.queueName),
  COURIER_WORKER_ID: optionalNameSetting,
  COURIER_CONCURRENCY: int(1, 10_000, 16),
  COURIER_RESULTS_DIR: optionalPath,
  COURIER_DOWNLOAD_ROOT: optionalPath,
  COURIER_DOWNLOAD_CACHE_DIR: optionalPath,
  COURIER_ALLOW_DESTINATIONS: z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : []),
    z.array(z.string().refine((entry) => parseDestinationRule(entry) !== null, { error: (issue) => `${JSON.stringify(issue.input)} is neither a CIDR, an address, a keyword (loopback, private, link-local) nor a host pattern` })),
  ),
  COURIER_ORIGIN_CONCURRENCY: int(0, 100_000, queueDefaults.limits.concurrency),
  COURIER_ORIGIN_RPS: z.preprocess(emptyAsUnset, z.coerce.number({ error: 'must be a number' }).min(0, 'must be ≥ 0').default(queueDefaults.limits.rps)),
  COURIER_ORIGIN_LIMITS: z.preprocess(
    (value) => {
      if (value === undefined || value === '') return [];
      try {
        return JSON.parse(String(value));
      } catch {
        return Symbol('not JSON');
      }
    },
    overrideSchema.or(z.never({ error: 'must be a JSON array of {match, concurrency?, rps?, burst?}' })),
  ),
  COURIER_LEASE_TTL_MS: int(1_000, 3_600_000, queueDefaults.limits.leaseTtlMs),
  COURIER_LEASE_RENEW_MS: int(100, 1_800_000, queueDefaults.limits.leaseRenewMs),
  COURIER_LEASE_LINGER_MS: int(0, 60_000, queueDefaults.limits.leaseLingerMs),
  COURIER_LOCK_DURATION_MS: int(1_000, 3_600_000, queueDefaults.worker.lockDurationMs),
  COURIER_STALLED_INTERVAL_MS: int(100, 3_600_000, queueDefaults.worker.stalledIntervalMs),
  COURIER_MAX_STALLED_COUNT: int(1, 100, queueDefaults.worker.maxStalledCount),
  COURIER_SHUTDOWN_GRACE_MS: int(0, 3_600_000, queueDefaults.worker.graceMs),
  COURIER_CLOSE_DEADLINE_MS: int(0, 3_600_000, 10_000),
  COURIER_MAX_RESPONSE_BYTES: int(1, Number.MAX_SAFE_INTEGER, queueDefaults.upstream.maxResponseBytes),
  COURIER_MAX_TOTAL_TIMEOUT_MS: int(1, queueDefaults.job.maxTimeoutMs, queueDefaults.upstream.maxTotalTimeoutMs),
  COURIER_MAX_DOWNLOAD_BYTES: int(1, Number.MAX_SAFE_INTEGER, downloadDefaults.maxJobBytes),
  COURIER_MAX_DOWNLOAD_TIME_MS: int(1, 7 * 24 * 3_600_000, downloadDefaults.maxJobTransferMs),
  COURIER_DOWNLOAD_PART_MAX_AGE_MS: int(0, 30 * 24 * 3_600_000, downloadDefaults.stalePartMaxAgeMs),
  COURIER_RESULTS_MAX_AGE_MS: int(0, 30 * 24 * 3_600_000, queueDefaults.retention.completedAgeMs),
  COURIER_RESULTS_MAX_BYTES: int(0, Number.MAX_SAFE_INTEGER, queueDefaults.resultsMaxBytes),
  LOG_LEVEL: logLevelSetting('info'),
  COURIER_SENSITIVE_HEADERS: sensitiveHeadersSetting,
});

/** Reads and validates the configuration; throws a `ConfigError` (@courier/queue) naming the first bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(envSchema, env);
  if (e.COURIER_LEASE_RENEW_MS * 2 > e.COURIER_LEASE_TTL_MS) {
    throw new ConfigError('COURIER_LEASE_RENEW_MS', `must be at most half of COURIER_LEASE_TTL_MS (${e.COURIER_LEASE_TTL_MS})`);
  }
  let originPolicy: OriginPolicyFile | undefined;
  const policyPath = env.COURIER_CONFIG?.trim();
  if (policyPath) {
    try {
      originPolicy = readOriginPolicyFile(policyPath);
    } catch (error) {
      throw new ConfigError('COURIER_CONFIG', (error as Error).message);
    }
  }
  return {
    originPolicy,
    redisUrl: e.REDIS_URL,
    clusterNodes: e.REDIS_CLUSTER_NODES,
    queueShards: e.COURIER_QUEUE_SHARDS,
    queuePrefix: e.COURIER_QUEUE_PREFIX,
    queueName: e.COURIER_QUEUE_NAME,
    workerId: e.COURIER_WORKER_ID,
    concurrency: e.COURIER_CONCURRENCY,
    resultsDir: e.COURIER_RESULTS_DIR ?? join(tmpdir(), 'courier-results'),
    downloadRoot: e.COURIER_DOWNLOAD_ROOT ?? join(tmpdir(), 'courier-downloads'),
    downloadCacheDir: e.COURIER_DOWNLOAD_CACHE_DIR,
    allowDestinations: e.COURIER_ALLOW_DESTINATIONS,
    originConcurrency: e.COURIER_ORIGIN_CONCURRENCY,
    originRps: e.COURIER_ORIGIN_RPS,
    originOverrides: e.COURIER_ORIGIN_LIMITS as OriginLimitOverride[],
    leaseTtlMs: e.COURIER_LEASE_TTL_MS,
    leaseRenewMs: e.COURIER_LEASE_RENEW_MS,
    leaseLingerMs: e.COURIER_LEASE_LINGER_MS,
    lockDurationMs: e.COURIER_LOCK_DURATION_MS,
    stalledIntervalMs: e.COURIER_STALLED_INTERVAL_MS,
    maxStalledCount: e.COURIER_MAX_STALLED_COUNT,
    shutdownGraceMs: e.COURIER_SHUTDOWN_GRACE_MS,
    closeDeadlineMs: e.COURIER_CLOSE_DEADLINE_MS,
    maxResponseBytes: e.COURIER_MAX_RESPONSE_BYTES,
    maxTotalTimeoutMs: e.COURIER_MAX_TOTAL_TIMEOUT_MS,
    maxDownloadBytes: e.COURIER_MAX_DOWNLOAD_BYTES,
    maxDownloadTimeMs: e.COURIER_MAX_DOWNLOAD_TIME_MS,
    downloadPartMaxAgeMs: e.COURIER_DOWNLOAD_PART_MAX_AGE_MS,
    resultsMaxAgeMs: e.COURIER_RESULTS_MAX_AGE_MS,
    resultsMaxBytes: e.COURIER_RESULTS_MAX_BYTES,
    logLevel: e.LOG_LEVEL,
    sensitiveHeaders: e.COURIER_SENSITIVE_HEADERS,
  };
}
