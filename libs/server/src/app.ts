import type { Client } from '@courier/origin';
import type { QueueDriver } from '@courier/queue';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { campaignsPlugin } from './campaigns/campaigns-plugin.ts';
import type { CampaignStore } from './campaigns/campaign-store.ts';
import { defaults } from './config/defaults.ts';
import type { CourierConfig } from './config/env.ts';
import { toApiError } from './http/api-error.ts';
import { logHooks, logRedactPathsFor } from './http/redact.ts';
import { zodSerializerCompiler, zodValidatorCompiler } from './http/zod-validation.ts';
import { fleetOriginsView, localOriginsView, type OriginsView } from './origins/origins-view.ts';
import { authPlugin } from './plugins/auth.ts';
import { bullBoardPlugin } from './plugins/bull-board.ts';
import { dashboardPlugin } from './plugins/dashboard.ts';
import { eventStreamsPlugin } from './plugins/event-streams.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { originsPlugin } from './plugins/origins.ts';
import { queuePlugin } from './plugins/queue.ts';
import { shutdownPlugin } from './plugins/shutdown.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { campaignsRoutes } from './routes/v1/campaigns/index.ts';
import { connectionsRoutes } from './routes/v1/connections/index.ts';
import { downloadsRoutes } from './routes/v1/downloads/index.ts';
import { eventsRoutes } from './routes/v1/events/index.ts';
import { originsRoutes } from './routes/v1/origins/index.ts';
import { requestsRoutes } from './routes/v1/requests/index.ts';
import { sessionRoutes } from './routes/v1/session/index.ts';

/** The parts of the configuration the HTTP app uses (the launcher reads the rest). */
export type AppConfig = Pick<CourierConfig, 'token' | 'bodyLimitBytes' | 'maxBatch' | 'maxWaitMs' | 'metricsTopOrigins' | 'resultsDir'> &
  // Optional: the download root checks `dst`s at enqueue; with the BullMQ driver, the Redis URL,
  // prefix and queue name are where campaigns are kept (without them, in memory).
  Partial<Pick<CourierConfig, 'downloadRoot' | 'redisUrl' | 'clusterNodes' | 'queuePrefix' | 'queueName'>> &
  // Optional: behind an https proxy, whose X-Forwarded-Proto makes the session cookie Secure (default: no proxy trusted).
  Partial<Pick<CourierConfig, 'trustProxy'>>;

export interface BuildAppOptions {
  config: AppConfig;
  /** The queue every route talks to. */
  queue: QueueDriver;
  /** Close `queue` when the app closes (default false: the caller owns it). */
  ownsQueue?: boolean;
  /**
   * The origin client of this process's in-process worker. On the in-memory driver
   * `/v1/origins` and `/v1/connections` report on it; on Redis they read the fleet view that
   * every worker publishes (`queue.fleet`), this process's worker included.
   */
  client?: Client;
  /** Overrides the choice above. */
  originsView?: OriginsView;
  /** Serve bull-board at `/admin/queues` for the BullMQ driver's queue on this Redis. */
  bullBoard?: { redisUrl: string; queuePrefix: string; queueName: string };
  /** Fastify's logger option: a pino logger, options, or false (the default, for tests). */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  /** Interval of SSE keep-alive comments, in milliseconds. */
  sseHeartbeatMs?: number;
  /** On close, longest wait for responses under way, in milliseconds. */
  drainTimeoutMs?: number;
  /** Where campaigns are kept (tests); default: Redis with the BullMQ driver and `config.redisUrl`, else memory. */
  campaignStore?: CampaignStore;
  /** Period of the campaign engine's check of open jobs against the queue, in milliseconds (default 2,000). */
  campaignCheckIntervalMs?: number;
}

/**
 * Pino options with credentials redacted (used by the launcher and by tests that want logs):
 * credential headers (and `sensitiveHeaders`) by path, URL userinfo in any line's text.
 */
export function loggerOptions(
  level: string,
  sensitiveHeaders: readonly string[] = [],
): { level: string; redact: { paths: string[]; censor: string }; hooks: typeof logHooks } {
  return { level, redact: { paths: logRedactPathsFor(sensitiveHeaders), censor: '[redacted]' }, hooks: logHooks };
}

/** Every error, from a route, a hook, the body parser or the router, as the stable body. */
function sendApiError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { statusCode, body, headers } = toApiError(error);
  if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code, field: body.error.field }, body.error.message);
  return reply.code(statusCode).headers(headers).send(body);
}

/**
 * The HTTP API as a Fastify instance, not listening (fastify/demo's habit: the app is a plugin,
 * `server.ts` only launches it; tests call `app.inject` with no port). Other features add their
 * routes here, one `register` line each (downloads, campaigns, the dashboard page).
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const originsView =
    options.originsView ??
    (options.queue.name === 'memory' && options.client !== undefined ? localOriginsView(options.client) : fleetOriginsView(options.queue.fleet));

  const logger = options.logger ?? false;
  const isLoggerInstance = typeof logger === 'object' && logger !== null && 'child' in logger && typeof logger.child === 'function';
  const app = Fastify({
    ...(isLoggerInstance ? { loggerInstance: logger as FastifyServerOptions['loggerInstance'] } : { logger: logger as FastifyServerOptions['logger'] }),
    bodyLimit: config.bodyLimitBytes,
    // Answer 503 to new requests once close() has begun, while in-flight ones finish.
    return503OnClosing: true,
    // Every socket left once the shutdown plugin has let responses under way finish (see there why).
    forceCloseConnections: true,
    // Above the 200 characters of every id schema, so a long id is refused by its schema, naming `params.id`.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    trustProxy: config.trustProxy ?? false,
    // Errors of the router itself (bad percent-encoding, a longer parameter) get the same stable body as every other.
    frameworkErrors: (error, request, reply) => sendApiError(error, request, reply),
  });
  // The API speaks JSON only: a text/plain body is a 415, not a string the schemas have to refuse.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(zodSerializerCompiler);

  app.setErrorHandler(sendApiError);
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  await app.register(shutdownPlugin, { drainTimeoutMs: options.drainTimeoutMs ?? defaults.drainTimeoutMs });
  await app.register(authPlugin, { token: config.token, sessionTtlSeconds: defaults.sessionTtlSeconds });
  await app.register(queuePlugin, { queue: options.queue, ownsQueue: options.ownsQueue ?? false });
  await app.register(originsPlugin, { origins: originsView });
  await app.register(metricsPlugin, { queue: options.queue, origins: originsView, topOrigins: config.metricsTopOrigins });
  await app.register(eventStreamsPlugin, { heartbeatMs: options.sseHeartbeatMs ?? defaults.sseHeartbeatMs });

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(sessionRoutes, { prefix: '/v1/session' });
  await app.register(requestsRoutes, {
    prefix: '/v1/requests',
    maxBatch: config.maxBatch,
    maxWaitMs: config.maxWaitMs,
    maxListPage: defaults.maxListPage,
    resultsDir: config.resultsDir,
  });
  await app.register(eventsRoutes, { prefix: '/v1/events' });
  await app.register(originsRoutes, { prefix: '/v1/origins' });
  await app.register(connectionsRoutes, { prefix: '/v1/connections' });
  await app.register(downloadsRoutes, { prefix: '/v1/downloads', maxBatch: config.maxBatch, downloadRoot: config.downloadRoot });
  await app.register(campaignsPlugin, {
    ...(options.campaignStore === undefined ? {} : { store: options.campaignStore }),
    ...campaignRedis(config),
    ...(options.campaignCheckIntervalMs === undefined ? {} : { reconcileIntervalMs: options.campaignCheckIntervalMs }),
  });
  await app.register(campaignsRoutes, { prefix: '/v1/campaigns', downloadRoot: config.downloadRoot });
  await app.register(dashboardPlugin, { client: options.client, token: config.token });
  if (options.bullBoard !== undefined) {
    await app.register(bullBoardPlugin, { ...options.bullBoard, basePath: '/admin/queues' });
  }
  return app;
}

/** Where campaigns live with Redis: beside the queue, on the same Redis or cluster. */
function campaignRedis(config: Partial<Pick<CourierConfig, 'redisUrl' | 'clusterNodes' | 'queuePrefix' | 'queueName'>>) {
  const seed = config.clusterNodes?.[0];
  const url = config.redisUrl ?? (seed ? `redis://${seed.host}:${seed.port}` : undefined);
  if (url === undefined) return {};
  return { redis: { url, prefix: config.queuePrefix, queueName: config.queueName, ...(config.clusterNodes ? { clusterNodes: config.clusterNodes } : {}) } };
}
