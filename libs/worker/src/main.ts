/**
 * `courier worker` / `npm run worker` as a process of its own:
 *   node --conditions=@courier/source --import tsx apps/worker/src/main.ts
 * Configuration from the environment (see README). SIGTERM or SIGINT: stop taking jobs, finish or
 * hand back the active ones, close the queue and the client, exit 0. A SIGKILLed worker's jobs
 * are recovered by BullMQ's stalled-job check on the other workers.
 */
import { loadWorkerConfig, WorkerConfigError } from './config.ts';
import { createWorkerLogger } from './logger.ts';
import { startWorkerProcess } from './worker-process.ts';

let config;
try {
  config = loadWorkerConfig(process.env);
} catch (error) {
  console.error(`courier worker: ${error instanceof WorkerConfigError ? error.message : String(error)}`);
  process.exit(2);
}
if (!config.redisUrl) {
  console.error('courier worker: REDIS_URL: required for a worker of its own (the in-memory queue lives inside `npm start`)');
  process.exit(2);
}

const logger = createWorkerLogger(config);
// A stray rejection is a bug to log, not a reason to drop every job in flight.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

const worker = await startWorkerProcess(config, { logger });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    worker.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
