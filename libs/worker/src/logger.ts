import { redactUserinfo, sensitiveHeaderNames } from '@courier/queue';
import { pino, type Logger } from 'pino';
import type { WorkerConfig } from './config.ts';

/**
 * JSON logs on stdout. Job inputs are never logged whole: credentials are restored in them. As
 * a second line of defence, credential headers are redacted wherever a line holds `headers`, and
 * URL userinfo is scrubbed from every line's text (an error message may echo a URL).
 */
export function createWorkerLogger(config: Pick<WorkerConfig, 'logLevel'> & Partial<Pick<WorkerConfig, 'sensitiveHeaders'>>, bindings: Record<string, unknown> = {}): Logger {
  const names = [...sensitiveHeaderNames(config.sensitiveHeaders ?? [])];
  const paths = ['headers', '*.headers'].flatMap((holder) => names.map((name) => `${holder}[${JSON.stringify(name)}]`));
  return pino({
    level: config.logLevel,
    base: { service: 'courier-worker', pid: process.pid, ...bindings },
    redact: { paths, censor: '[redacted]' },
    hooks: { streamWrite: redactUserinfo },
  });
}
