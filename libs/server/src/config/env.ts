import { isIP } from 'node:net';
import { clusterNodesSetting, defaultResultsDir, emptyAsUnset, queueShardsSetting, type ClusterNode, integerSetting as integer, logLevelSetting, nameSetting, parseEnv, queueDefaults, sensitiveHeadersSetting, type LogLevel } from '@courier/queue';
import { z } from 'zod';
import { defaults } from './defaults.ts';

/**
 * Configuration from the environment, validated once at start: a bad value stops the process
 * with a message naming the variable (DESIGN "Configuration"). An empty variable counts as
 * unset, so compose files can pass `${VAR:-}` through.
 */
export interface CourierConfig {
  /** TCP port of the HTTP API (`PORT`, default 8080; 0 = any free port). */
  port: number;
  /** Listen address (`HOST`, default 127.0.0.1). */
  host: string;
  /** `REDIS_URL`: set → BullMQ on Redis; unset → the in-memory queue in this process. */
  redisUrl: string | undefined;
  /** `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster (`host:port,…`); set → BullMQ on the cluster (`REDIS_URL` then only lends credentials and TLS). */
  clusterNodes: ClusterNode[] | undefined;
  /** `COURIER_QUEUE_SHARDS`: BullMQ queues the queue is split into, jobs routed by origin. Default 1; on a cluster, the number of seed nodes. The workers' too. */
  queueShards: number | undefined;
  /** `COURIER_QUEUE_PREFIX` / `COURIER_QUEUE_NAME`: the Redis key prefix and queue name, the workers' too. */
  queuePrefix: string;
  queueName: string;
  /** `COURIER_TOKEN`: set → every route but /healthz needs it (bearer or session cookie). */
  token: string | undefined;
  /** `COURIER_CONCURRENCY`: jobs in flight per worker. */
  concurrency: number;
  /** `COURIER_RESULTS_DIR`: where workers write bodies too large to inline (default `<tmpdir>/courier-results`, the workers' default too). */
  resultsDir: string;
  /** `COURIER_DOWNLOAD_ROOT`: the root every download `dst` is confined to. */
  downloadRoot: string | undefined;
  /** `COURIER_ALLOW_DESTINATIONS`: CIDRs, addresses, `loopback` / `private` / `link-local`, or host patterns exempt from the destination policy. */
  allowDestinations: string[];
  /** `LOG_LEVEL` (pino level or `silent`). */
  logLevel: LogLevel;
  /** `COURIER_BODY_LIMIT`: largest API request body, in bytes. */
  bodyLimitBytes: number;
  /** `COURIER_MAX_BATCH`: most jobs in one batch. */
  maxBatch: number;
  /** `COURIER_MAX_WAIT_MS`: longest `?wait=` on `GET /v1/requests/:id`, in milliseconds. */
  maxWaitMs: number;
  /** `COURIER_METRICS_TOP_ORIGINS`: origins with their own Prometheus series. */
  metricsTopOrigins: number;
  /** `COURIER_SENSITIVE_HEADERS`: header names redacted in records and logs (yet sent), beside authorization, cookie, proxy-authorization, x-api-key, x-auth-token. */
  sensitiveHeaders: string[];
  /** `COURIER_MAX_QUEUED_JOBS`: most unfinished jobs (waiting, delayed, active) in the queue; more → 429 `QUEUE_FULL`. */
  maxQueuedJobs: number;
  /** `COURIER_MAX_QUEUED_BYTES`: most payload bytes (URLs, headers, bodies) of unfinished jobs; more → 429 `QUEUE_FULL`. */
  maxQueuedBytes: number;
  /** `COURIER_BATCH_MAX_JOBS`: most requests one batch job carries (`{ "batch": true }`). */
  batchMaxJobs: number;
  /** `COURIER_BATCH_MAX_BYTES`: most payload bytes one batch job carries. */
  batchMaxBytes: number;
  /**
   * `COURIER_TRUST_PROXY`: which proxies' `X-Forwarded-*` headers to believe (Fastify's
   * `trustProxy`), so a request that reached an https proxy gets a `Secure` session cookie:
   * `false` (default), `true` (any peer), or a comma-separated list of the proxies' addresses/CIDRs.
   */
  trustProxy: boolean | string[];
}

const optionalString = z.preprocess(emptyAsUnset, z.string().optional());

// Host patterns as the origin policy matches them: `example.com`, `*.example.com`, optional `:port` or `:*`.
const hostPattern = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:(\d{1,5}|\*))?$/i;

function isCidrOrAddress(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  if (rest.length > 0) return false;
  const family = isIP(address.replace(/^\[|\]$/g, ''));
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Named address groups, as the worker's destination policy knows them. */
const destinationKeywords = new Set(['loopback', 'private', 'link-local']);

const destinationList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : []),
  z.array(
    z.string().refine((entry) => destinationKeywords.has(entry) || isCidrOrAddress(entry) || hostPattern.test(entry), {
      error: (issue) => `${JSON.stringify(issue.input)} is neither a CIDR, an address, a keyword (loopback, private, link-local) nor a host pattern`,
    }),
  ),
);

const trustProxySetting = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .default('false')
    .transform((text, ctx): boolean | string[] => {
      if (text === 'true' || text === 'false') return text === 'true';
      const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
      if (entries.length > 0 && entries.every(isCidrOrAddress)) return entries;
      ctx.addIssue({ code: 'custom', message: 'must be true, false, or a comma-separated list of the proxies\' addresses/CIDRs' });
      return z.NEVER;
    }),
);

const envSchema = z.object({
  PORT: integer(0, 65_535, defaults.port),
  HOST: z.preprocess(emptyAsUnset, z.string().regex(/^[^\s/]+$/, 'must be an address or a host name').default(defaults.host)),
  REDIS_URL: z.preprocess(
    emptyAsUnset,
    z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      .optional(),
  ),
  REDIS_CLUSTER_NODES: clusterNodesSetting,
  COURIER_QUEUE_SHARDS: queueShardsSetting,
  COURIER_QUEUE_PREFIX: nameSetting(queueDefaults.prefix),
  COURIER_QUEUE_NAME: nameSetting(queueDefaults.queueName),
  COURIER_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().min(8, 'must be at least 8 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
  ),
  COURIER_CONCURRENCY: integer(1, 10_000, defaults.concurrency),
  COURIER_RESULTS_DIR: optionalString,
  COURIER_DOWNLOAD_ROOT: optionalString,
  COURIER_ALLOW_DESTINATIONS: destinationList,
  LOG_LEVEL: logLevelSetting(defaults.logLevel),
  COURIER_BODY_LIMIT: integer(1024, 1024 * 1024 * 1024, defaults.bodyLimitBytes),
  COURIER_MAX_BATCH: integer(1, 100_000, defaults.maxBatch),
  COURIER_MAX_WAIT_MS: integer(0, 15 * 60_000, defaults.maxWaitMs),
  COURIER_METRICS_TOP_ORIGINS: integer(0, 1_000, defaults.metricsTopOrigins),
  COURIER_SENSITIVE_HEADERS: sensitiveHeadersSetting,
  COURIER_MAX_QUEUED_JOBS: integer(1, 100_000_000, queueDefaults.depth.maxJobs),
  COURIER_MAX_QUEUED_BYTES: integer(1024 * 1024, 1024 * 1024 * 1024 * 1024, queueDefaults.depth.maxBytes),
  COURIER_BATCH_MAX_JOBS: integer(1, 10_000, queueDefaults.batch.maxJobs),
  COURIER_BATCH_MAX_BYTES: integer(1024, 64 * 1024 * 1024, queueDefaults.batch.maxBytes),
  COURIER_TRUST_PROXY: trustProxySetting,
});

/** Reads and validates the configuration; throws a `ConfigError` (@courier/queue) naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CourierConfig {
  const e = parseEnv(envSchema, env);
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    clusterNodes: e.REDIS_CLUSTER_NODES,
    queueShards: e.COURIER_QUEUE_SHARDS,
    queuePrefix: e.COURIER_QUEUE_PREFIX,
    queueName: e.COURIER_QUEUE_NAME,
    token: e.COURIER_TOKEN,
    concurrency: e.COURIER_CONCURRENCY,
    resultsDir: e.COURIER_RESULTS_DIR ?? defaultResultsDir(),
    downloadRoot: e.COURIER_DOWNLOAD_ROOT,
    allowDestinations: e.COURIER_ALLOW_DESTINATIONS,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.COURIER_BODY_LIMIT,
    maxBatch: e.COURIER_MAX_BATCH,
    maxWaitMs: e.COURIER_MAX_WAIT_MS,
    metricsTopOrigins: e.COURIER_METRICS_TOP_ORIGINS,
    sensitiveHeaders: e.COURIER_SENSITIVE_HEADERS,
    maxQueuedJobs: e.COURIER_MAX_QUEUED_JOBS,
    maxQueuedBytes: e.COURIER_MAX_QUEUED_BYTES,
    batchMaxJobs: e.COURIER_BATCH_MAX_JOBS,
    batchMaxBytes: e.COURIER_BATCH_MAX_BYTES,
    trustProxy: e.COURIER_TRUST_PROXY,
  };
}

/** True for addresses only this machine can reach; the server warns when it listens elsewhere without a token. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
