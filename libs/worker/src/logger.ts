import { pino, type Logger } from 'pino';
import type { WorkerConfig } from './config.ts';

/** JSON logs on stdout. Job inputs are never logged whole: credentials are restored in them. */
export function createWorkerLogger(config: Pick<WorkerConfig, 'logLevel'>, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: config.logLevel, base: { service: 'courier-worker', pid: process.pid, ...bindings } });
}
