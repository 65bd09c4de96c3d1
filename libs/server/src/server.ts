import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp, loggerOptions, type BuildAppOptions } from './app.ts';
import { isLoopbackHost, type CourierConfig } from './config/env.ts';

/**
 * The thin launcher (fastify/demo's `server.ts`): a logger with credentials redacted, listen on
 * HOST:PORT, and a graceful close on SIGTERM/SIGINT. Everything else is `buildApp`.
 */

/** The process logger: pino at `LOG_LEVEL`, credentials redacted from every line. */
export function createLogger(level: CourierConfig['logLevel'], sensitiveHeaders: readonly string[] = []): Logger {
  return pino(loggerOptions(level, sensitiveHeaders));
}

export interface StartServerOptions extends Omit<BuildAppOptions, 'config' | 'logger'> {
  config: CourierConfig;
  logger: Logger;
}

export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
}

/** Warns when the API would be reachable from other machines without a token; returns whether it warned. */
export function warnIfExposed(config: Pick<CourierConfig, 'host' | 'token'>, logger: Pick<Logger, 'warn'>): boolean {
  if (config.token !== undefined || isLoopbackHost(config.host)) return false;
  logger.warn({ host: config.host }, `HOST is ${config.host} and COURIER_TOKEN is unset: anyone who can reach this port can use the API`);
  return true;
}

/** Builds the app and listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  warnIfExposed(config, logger);
  const app = await buildApp({ ...options, logger });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `http://${host}:${address.port}` };
}

/** One step of a graceful shutdown, run in order; a failing step is logged and the next still runs. */
export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

/**
 * Runs `steps` once on SIGTERM/SIGINT (or an uncaught error), within `graceMs`; after that the
 * process exits anyway (close-with-grace). Returns the function that triggers the same shutdown.
 */
export function closeOnSignals(steps: ShutdownStep[], logger: Logger, graceMs: number): () => void {
  const handle = closeWithGrace({ delay: graceMs, logger }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an uncaught error');
    else logger.info({ signal }, 'shutting down');
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
  });
  return handle.close;
}
