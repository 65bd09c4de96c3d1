import { backoffDelay, type RetryOptions } from '../retry-policy.ts';

/** Thrown to BullMQ for a failed attempt worth retrying; carries the delay the policy chose. */
export class RetryableJobError extends Error {
  override readonly name = 'RetryableJobError';
  constructor(
    message: string,
    readonly retryDelayMs: number,
  ) {
    super(message);
  }
}

/** BullMQ's custom backoff strategy: the delay our retry policy picked (Retry-After or backoff with jitter). */
export function courierBackoffStrategy(retry: RetryOptions) {
  return (attemptsMade: number, _type?: string, error?: Error): number =>
    error instanceof RetryableJobError ? error.retryDelayMs : backoffDelay(attemptsMade, retry);
}

/** The `backoff` option every job is added with, naming the strategy above. */
export const courierBackoff = { type: 'courier' } as const;
