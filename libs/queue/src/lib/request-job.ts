/**
 * Runs one `request` job through a `@courier/origin` client and shapes its result. The client's
 * own retries stay off except `retryStaleSocket` (a socket-level replay of a request that never
 * reached the server); every other retry is decided at the queue level from the error this throws.
 */
import { CourierError, isCourierError, isTransientCode, normaliseMethod, toCourierError, withoutUserinfo, type Client, type CourierResponse } from '@courier/origin';
import { redactRedirects, redactResponseHeaders } from './credentials.ts';
import type { RequestResult } from './driver.ts';
import { requestBodyBytes, type RequestJob } from './job-schema.ts';
import { storeBody } from './result-body.ts';
import { isIdempotentMethod, isNothingSentCode, isRetryableStatus, parseRetryAfter } from './retry-policy.ts';
import { effectiveRequestLimits, type UpstreamLimits } from './upstream-limits.ts';

export interface RunRequestOptions {
  workerId: string;
  /** Where bodies larger than `inlineBodyBytes` are written. */
  resultsDir: string;
  /** Largest body kept inline in the result, in bytes. */
  inlineBodyBytes: number;
  /** The operator's maxima (default `queueDefaults.upstream`): a job may lower them, not raise them. */
  limits?: UpstreamLimits;
}

export interface RequestJobRun {
  id: string;
  input: RequestJob;
  attempt: number;
  signal: AbortSignal;
}

/**
 * Marks an error with whether another attempt is safe: transient codes are, but for a method
 * that is not idempotent only when nothing was sent (DNS, connect, open circuit).
 */
function classify(error: unknown, method: string): CourierError {
  const courier = isCourierError(error) ? error : toCourierError(error);
  const retryable = isTransientCode(courier.code) && (isIdempotentMethod(method) || isNothingSentCode(courier.code));
  return new CourierError(courier.code, courier.message, { ...courier.details, cause: courier, retryable });
}

/** A 4xx or 5xx answer fails the job; 408, 429 and 5xx may be retried (idempotent methods only). */
function statusError(res: CourierResponse, method: string): CourierError {
  const status = res.status;
  const retryable = isRetryableStatus(status) && isIdempotentMethod(method);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : null;
  return new CourierError('HTTP_STATUS', `upstream answered ${status}${res.statusText ? ` ${res.statusText}` : ''}`, {
    status,
    retryable,
    ...(retryAfterMs === null ? {} : { retryAfterMs }),
  });
}

/**
 * Milliseconds kept to the microsecond: `performance.now()` differences carry 15 digits of float
 * noise, which BullMQ would store twice per job (the record and the event stream) for nothing.
 */
function toMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export async function runRequestJob(client: Client, job: RequestJobRun, options: RunRequestOptions): Promise<RequestResult> {
  const input = job.input;
  const method = normaliseMethod(input.method ?? 'GET', input.verbatimMethod === true);
  const limits = effectiveRequestLimits(input, options.limits);
  let res: CourierResponse;
  try {
    res = await client.request(input.url, {
      method,
      headers: input.headers ?? [],
      body: requestBodyBytes(input),
      signal: job.signal,
      dontReuse: input.dontReuse,
      dontMakeReusable: input.dontMakeReusable,
      preferIpv6: input.preferIpv6,
      maxRedirects: input.maxRedirects,
      headersTimeoutMs: limits.headersTimeoutMs,
      bodyTimeoutMs: limits.bodyTimeoutMs,
      totalTimeoutMs: limits.totalTimeoutMs,
      maxResponseBytes: limits.maxResponseBytes,
      retryStaleSocket: true,
      verbatimMethod: input.verbatimMethod === true,
    });
  } catch (error) {
    throw classify(error, method);
  }
  if (res.status >= 400 && input.acceptAnyStatus !== true) {
    await res.body.dump().catch(() => {});
    throw statusError(res, method);
  }
  let body;
  try {
    body = await storeBody(res, job.id, options.resultsDir, options.inlineBodyBytes);
  } catch (error) {
    throw classify(error, method);
  }
  return {
    kind: 'request',
    status: res.status,
    statusText: res.statusText,
    headers: redactResponseHeaders(res.headers),
    // A `Location` may carry `user:password@`: the stored chain and final URL never do.
    url: withoutUserinfo(res.url),
    redirects: res.redirects.length === 0 ? [] : redactRedirects(res.redirects),
    timings: { startedAt: res.timings.startedAt, headersMs: toMicros(res.timings.headersMs), totalMs: toMicros(res.timings.totalMs ?? Date.now() - res.timings.startedAt) },
    ...body,
    workerId: options.workerId,
  };
}
