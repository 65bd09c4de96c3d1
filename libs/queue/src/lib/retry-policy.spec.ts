import { describe, expect, it } from 'vitest';
import { CourierError } from '@courier/origin';
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryPlan } from './retry-policy.ts';

const options = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe('retry policy', () => {
  it('backs off exponentially with jitter in [d/2, d], capped', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(30, options, () => 1)).toBe(1_000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(['2', '9'])).toBe(2_000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  it('retries transient codes and retryable statuses; not bad input, 4xx or checksums', () => {
    expect(retryPlan(new CourierError('CONNECT_REFUSED', 'x'), 1, options)).toMatchObject({ retry: true });
    expect(retryPlan(new CourierError('HEADERS_TIMEOUT', 'x'), 1, options)).toMatchObject({ retry: true });
    expect(retryPlan(new CourierError('HTTP_STATUS', 'x', { status: 502 }), 1, options)).toMatchObject({ retry: true });
    expect(retryPlan(new CourierError('HTTP_STATUS', 'x', { status: 404 }), 1, options)).toEqual({ retry: false });
    expect(retryPlan(new CourierError('BAD_URL', 'x'), 1, options)).toEqual({ retry: false });
    expect(retryPlan(new CourierError('CHECKSUM_MISMATCH', 'x'), 1, options)).toEqual({ retry: false });
    expect(retryPlan(new Error('a bug'), 1, options)).toEqual({ retry: false });
    expect(isRetryableStatus(429)).toBe(true);
    expect(isRetryableStatus(501)).toBe(false);
  });

  it('lets the thrower decide (details.retryable) and honours retryAfterMs up to the cap', () => {
    expect(retryPlan(new CourierError('CONNECTION_RESET', 'x', { retryable: false }), 1, options)).toEqual({ retry: false });
    expect(retryPlan(new CourierError('HTTP_STATUS', 'x', { status: 429, retryable: true, retryAfterMs: 1_234 }), 1, options)).toEqual({ retry: true, delayMs: 1_234 });
    expect(retryPlan(new CourierError('HTTP_STATUS', 'x', { status: 503, retryable: true, retryAfterMs: 999_999 }), 1, options)).toEqual({ retry: true, delayMs: 5_000 });
  });
});
