import type { JobRecord, JobState, QueueEvent } from '@courier/queue';
import { credentialHeaders, redacted, redactHeaders } from './redact.ts';

/** States after which nothing more happens to a job (until a retry). */
export const terminalStates: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed', 'cancelled']);

/**
 * A job record as the API shows it: the caller's credentials in the job's own headers are
 * replaced (the queue lib redacts what it stores; this holds even when a driver keeps them for
 * the worker's sake).
 */
export function presentJob(record: JobRecord): JobRecord {
  const input = record.input as { headers?: unknown };
  if (input.headers === undefined) return record;
  return { ...record, input: { ...record.input, headers: redactAnyHeaders(input.headers) } as JobRecord['input'] };
}

function redactAnyHeaders(headers: unknown): unknown {
  if (Array.isArray(headers)) {
    return headers.map((pair) =>
      Array.isArray(pair) && typeof pair[0] === 'string' && credentialHeaders.has(pair[0].toLowerCase()) ? [pair[0], redacted] : pair,
    );
  }
  if (typeof headers === 'object' && headers !== null) return redactHeaders(headers as Record<string, unknown>);
  return headers;
}

/** True when this event ends the job's story (a failure that will be retried does not). */
export function isTerminalEvent(event: QueueEvent | { type: string; willRetry?: boolean }): boolean {
  if (event.type === 'completed' || event.type === 'cancelled') return true;
  return event.type === 'failed' && (event as { willRetry?: boolean }).willRetry !== true;
}
