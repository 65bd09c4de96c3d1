import { describe, expect, it } from 'vitest';
import { parseJob, type RequestJob } from './job-schema.ts';
import { clampLimit, effectiveRequestLimits } from './upstream-limits.ts';

const limits = { maxResponseBytes: 1000, maxTotalTimeoutMs: 300 };
const job = (extra: object) => parseJob({ url: 'http://example.test/', ...extra }) as RequestJob;

describe('upstream limits: a job may lower them, never raise them', () => {
  it('keeps a real limit at most the maximum, gives the maximum for 0, nothing or more', () => {
    expect(clampLimit(500, 1000)).toBe(500);
    expect(clampLimit(1000, 1000)).toBe(1000);
    expect(clampLimit(0, 1000)).toBe(1000);
    expect(clampLimit(undefined, 1000)).toBe(1000);
    expect(clampLimit(10_000, 1000)).toBe(1000);
  });

  it('bounds size and total time always, headers and body timeouts when the job sets them', () => {
    expect(effectiveRequestLimits(job({}), limits)).toEqual({ maxResponseBytes: 1000, totalTimeoutMs: 300, headersTimeoutMs: undefined, bodyTimeoutMs: undefined });
    expect(effectiveRequestLimits(job({ maxResponseBytes: 0, totalTimeoutMs: 0, headersTimeoutMs: 0, bodyTimeoutMs: 0 }), limits)).toEqual({
      maxResponseBytes: 1000,
      totalTimeoutMs: 300,
      headersTimeoutMs: 300,
      bodyTimeoutMs: 300,
    });
    expect(effectiveRequestLimits(job({ maxResponseBytes: 10, totalTimeoutMs: 3_600_000, headersTimeoutMs: 100 }), limits)).toMatchObject({
      maxResponseBytes: 10,
      totalTimeoutMs: 300,
      headersTimeoutMs: 100,
    });
  });
});
