import { createClient } from '@courier/origin';
import { ConfigError, createQueue } from '@courier/queue';
import { closeOnSignals, createLogger, loadConfig, startServer, type ShutdownStep } from '@courier/server';
import { loadWorkerConfig, startWorkerProcess, type WorkerProcess } from '@courier/worker';
import type { Command } from 'commander';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';
import { redisWaitUrl, waitForRedis } from './wait-for-redis.ts';

interface ServeFlags {
  worker: boolean;
  port?: string;
  host?: string;
  json?: boolean;
}

/** Grace for the HTTP side of a shutdown, in milliseconds; the worker's own grace and deadline add to it. */
const shutdownGraceMs = 15_000;

/** A Redis URL as it may be printed: the password replaced. */
function printableRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  const env = { ...io.env, ...(flags.port === undefined ? {} : { PORT: flags.port }), ...(flags.host === undefined ? {} : { HOST: flags.host }) };
  // Both halves read the same environment; each validates what it uses and names a bad variable.
  let config;
  let workerConfig;
  try {
    config = loadConfig(env);
    workerConfig = flags.worker ? loadWorkerConfig(env) : undefined;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`bad configuration: ${error.message}`, exitCodes.usage);
    throw error;
  }
  const waitTarget = redisWaitUrl(config);
  if (waitTarget !== undefined) await waitForRedis(waitTarget, io);
  const logger = createLogger(config.logLevel, config.sensitiveHeaders);
  const queue = await createQueue({
    sensitiveHeaders: config.sensitiveHeaders,
    ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    ...(config.clusterNodes === undefined ? {} : { clusterNodes: config.clusterNodes }),
    ...(config.queueShards === undefined ? {} : { shards: config.queueShards }),
    prefix: config.queuePrefix,
    queueName: config.queueName,
    maxDepth: config.maxQueuedJobs,
    maxQueuedBytes: config.maxQueuedBytes,
    batch: { maxJobs: config.batchMaxJobs, maxBytes: config.batchMaxBytes },
    logger,
  });
  // The in-process worker shares this queue (on the in-memory driver it is the only way jobs reach it).
  let worker: WorkerProcess | undefined;
  if (workerConfig !== undefined) worker = await startWorkerProcess(workerConfig, { queue, logger: logger.child({ component: 'worker' }) });
  // Without a worker here the server still needs a client for nothing but an empty local view.
  const client = worker?.client ?? createClient();
  let server;
  try {
    server = await startServer({
      config,
      logger,
      queue,
      client,
      // Bull Board shows one BullMQ queue on a single Redis; a sharded queue has N (not shown there).
      ...(config.redisUrl === undefined || config.clusterNodes !== undefined || (config.queueShards ?? 1) > 1
        ? {}
        : { bullBoard: { redisUrl: config.redisUrl, queuePrefix: config.queuePrefix, queueName: config.queueName } }),
    });
  } catch (error) {
    // A port in use, say: undo what started, so the process can exit with the message.
    await (worker === undefined ? client.close() : worker.stop('server failed to start'));
    await queue.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new CliError(`can't listen on ${config.host}:${config.port} (${code})`);
    throw error;
  }
  const { app } = server;

  // In order: no new HTTP work, then the worker (its jobs finish or go back), then the queue.
  const steps: ShutdownStep[] = [
    { name: 'http server', run: () => app.close() },
    ...(worker === undefined ? [{ name: 'origin client', run: () => client.close() }] : [{ name: 'worker', run: () => worker.stop('shutdown') }]),
    { name: 'queue', run: () => queue.close() },
  ];
  closeOnSignals(steps, logger, shutdownGraceMs + (workerConfig?.shutdownGraceMs ?? 0) + (workerConfig?.closeDeadlineMs ?? 0));

  const where = config.clusterNodes
    ? `Redis Cluster ${config.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    : config.redisUrl === undefined
      ? 'in-memory queue'
      : `Redis ${printableRedisUrl(config.redisUrl)}`;
  const work = worker === undefined ? 'no worker in this process' : `worker ${worker.workerId}, ${workerConfig?.concurrency ?? config.concurrency} jobs in flight`;
  if (flags.json) {
    io.out(JSON.stringify({ listening: server.url, queue: config.redisUrl === undefined && config.clusterNodes === undefined ? 'memory' : 'redis', workerId: worker?.workerId ?? null, token: config.token !== undefined }));
  } else {
    io.out(`courier listening on ${server.url} (${where}; ${work}${config.token === undefined ? '; no token' : ''})`);
  }
}

/** `courier serve`: the API server, plus a worker in the same process unless `--no-worker`. */
export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command, io: CliIo) {
    program
      .command('serve')
      .description('run the HTTP API (and a worker in-process): in-memory queue, or Redis when REDIS_URL is set')
      .option('--no-worker', 'run no worker in this process (workers run elsewhere: `courier worker`)')
      .option('--port <port>', 'listen port (overrides PORT)')
      .option('--host <host>', 'listen address (overrides HOST)')
      .option('--json', 'print the start line as JSON: {"listening","queue","workerId","token"}')
      .action((flags: ServeFlags) => serve(flags, io));
  },
};
