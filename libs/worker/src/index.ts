export { startWorkerProcess, type StartWorkerProcessOptions, type WorkerProcess } from './worker-process.ts';
export { loadWorkerConfig, WorkerConfigError, type WorkerConfig } from './config.ts';
export { createDestinationPolicy, parseDestinationRule, type AllowAddress } from './destination-policy.ts';
export { createWorkerLogger } from './logger.ts';
