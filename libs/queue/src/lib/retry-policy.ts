/**
 * Retries live at one level, the queue (DESIGN "Queue and service"): workers call the client with
 * its retry policy off, and a failed attempt is retried here — exponential backoff with jitter,
 * `Retry-After` honoured for 429 and 503, transient codes and 5xx retried, everything else
 * (bad input, 4xx, checksum…) failed at once.
 */
import { CourierError, isCourierError, isTransientCode, type ErrorCode } from '@courier/origin';
import { redactUserinfo } from './credentials.ts';
import type { JobError } from './driver.ts';

export interface RetryOptions {
  /** Delay after the first failed attempt, in milliseconds; doubles on each further one. */
  baseDelayMs: number;
  /** Longest backoff delay, in milliseconds. */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured, in milliseconds (a longer one is cut to this). */
  maxRetryAfterMs: number;
}

export type RetryPlan = { retry: false } | { retry: true; delayMs: number };

// RFC 9110 §9.2.2: these may be repeated without changing the outcome.
const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotentMethod(method: string): boolean {
  return idempotentMethods.has(method);
}

/**
 * Errors raised before a byte of the request left: replaying them is safe for any method.
 * (CLOSED_PREMATURELY, CONNECTION_RESET and the timeouts may come after the server got it.)
 */
const nothingSentCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DNS_NO_RESULTS',
  'DNS_TIMEOUT',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'CIRCUIT_OPEN',
]);

export function isNothingSentCode(code: ErrorCode): boolean {
  return nothingSentCodes.has(code);
}

/** 408 (server gave up waiting), 429 (slow down) and 5xx, except those that will never change. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; milliseconds from now, or null. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay plus a random part of the
 * other half, so synchronised failures spread out but no retry comes back at once.
 * `attempt` is the 1-based number of the attempt that just failed.
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Whether a failed attempt is worth another one, and after how long. */
export function retryPlan(error: unknown, attempt: number, options: RetryOptions): RetryPlan {
  if (!isCourierError(error)) return { retry: false };
  const details = error.details as { retryable?: unknown; retryAfterMs?: unknown; status?: unknown };
  const retryable =
    typeof details.retryable === 'boolean'
      ? details.retryable
      : isTransientCode(error.code) || (error.code === 'HTTP_STATUS' && typeof details.status === 'number' && isRetryableStatus(details.status));
  if (!retryable) return { retry: false };
  if (typeof details.retryAfterMs === 'number' && details.retryAfterMs >= 0) {
    return { retry: true, delayMs: Math.min(details.retryAfterMs, options.maxRetryAfterMs) };
  }
  return { retry: true, delayMs: backoffDelay(attempt, options) };
}

/** The error as a job record carries it: code, message and the HTTP status when there is one. */
export function toJobError(error: unknown): JobError {
  if (isCourierError(error)) {
    const status = (error.details as { status?: unknown }).status;
    // A message may echo a URL (a malformed `Location`, a redirect target): never its userinfo.
    const message = redactUserinfo(error.message);
    return typeof status === 'number' ? { code: error.code, message, status } : { code: error.code, message };
  }
  return { code: 'INTERNAL', message: redactUserinfo(error instanceof Error ? error.message : String(error)) };
}

/** Back from a stored `JobError` to a throwable CourierError. */
export function fromJobError(error: JobError): CourierError {
  return new CourierError(error.code, error.message, error.status === undefined ? {} : { status: error.status });
}
