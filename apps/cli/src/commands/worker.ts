import { utimes, writeFile } from 'node:fs/promises';
import { closeOnSignals, createLogger } from '@courier/server';
import { ConfigError } from '@courier/queue';
import { loadWorkerConfig, startWorkerProcess } from '@courier/worker';
import type { Command } from 'commander';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';
import { redisWaitUrl, waitForRedis } from './wait-for-redis.ts';

interface WorkerFlags {
  aliveFile?: string;
  json?: boolean;
}

/** How often `--alive-file` is touched, in milliseconds; a health check allows several missed beats. */
const aliveIntervalMs = 5_000;

/** Touches `path` now and every few seconds while the event loop runs; returns the stop function. */
async function keepAlive(path: string): Promise<() => void> {
  const touch = async () => {
    const now = new Date();
    await utimes(path, now, now).catch(() => writeFile(path, `${process.pid}\n`));
  };
  await touch();
  const timer = setInterval(() => void touch().catch(() => {}), aliveIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function runWorker(flags: WorkerFlags, io: CliIo): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`bad configuration: ${error.message}`, exitCodes.usage);
    throw error;
  }
  const waitTarget = redisWaitUrl(config);
  if (waitTarget === undefined) {
    throw new CliError('REDIS_URL (or REDIS_CLUSTER_NODES): required for a worker of its own (without Redis, `courier serve` runs the worker in its process)', exitCodes.usage);
  }
  await waitForRedis(waitTarget, io);
  const logger = createLogger(config.logLevel, config.sensitiveHeaders).child({ service: 'courier-worker' });
  const worker = await startWorkerProcess(config, { logger });
  const stopAlive = flags.aliveFile === undefined ? () => {} : await keepAlive(flags.aliveFile);
  closeOnSignals(
    [
      { name: 'alive file', run: async () => stopAlive() },
      { name: 'worker', run: () => worker.stop('shutdown') },
    ],
    logger,
    config.shutdownGraceMs + config.closeDeadlineMs + 5_000,
  );
  if (flags.json) io.out(JSON.stringify({ workerId: worker.workerId, concurrency: config.concurrency }));
  else io.out(`courier worker ${worker.workerId} taking jobs (${config.concurrency} in flight)`);
}

/** `courier worker`: a queue consumer alone (@courier/worker's `startWorkerProcess`), for Redis. */
export const workerCommand: CliCommand = {
  name: 'worker',
  register(program: Command, io: CliIo) {
    program
      .command('worker')
      .description('run a worker: takes jobs from the Redis queue (REDIS_URL) and runs them through its origin actors')
      .option('--alive-file <path>', `touch this file every ${aliveIntervalMs / 1000} s while the worker runs (for container health checks)`)
      .option('--json', 'print the start line as JSON: {"workerId","concurrency"}')
      .action((flags: WorkerFlags) => runWorker(flags, io));
  },
};
