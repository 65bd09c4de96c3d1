import { describe, expect, test } from 'vitest';
import { RequestWindow, windowMs } from './request-window.ts';

const t0 = 1_700_000_000_000;

describe('RequestWindow', () => {
  test('gives requests per second and nearest-rank p50/p99 over the requests of the last minute', () => {
    const w = new RequestWindow({ recomputeMs: 0 }, t0 - windowMs);
    // 100 requests of 1..100 ms over the last 50 s.
    for (let i = 1; i <= 100; i++) w.record('http://a:80', i, t0 - 50_000 + i * 400);
    const s = w.stats('http://a:80', t0 + 100);
    expect(s.rps).toBeCloseTo(100 / 60, 5);
    expect(s.p50Ms).toBe(50);
    expect(s.p99Ms).toBe(99);
    expect(w.stats('http://b:80', t0)).toEqual({ rps: 0, p50Ms: null, p99Ms: null });
  });

  test('divides by the time counted so far while it is shorter than a minute', () => {
    const w = new RequestWindow({ recomputeMs: 0 }, t0);
    for (let i = 0; i < 20; i++) w.record('http://a:80', 5, t0 + 9_000);
    expect(w.stats('http://a:80', t0 + 10_000).rps).toBeCloseTo(2, 5);
  });

  test('forgets requests older than a minute, and the origin with them', () => {
    const w = new RequestWindow({ recomputeMs: 0 }, t0 - windowMs);
    w.record('http://a:80', 500, t0 - 70_000);
    w.record('http://a:80', 10, t0 - 1_000);
    expect(w.stats('http://a:80', t0)).toMatchObject({ p50Ms: 10, p99Ms: 10 });
    expect(w.stats('http://a:80', t0).rps).toBeCloseTo(1 / 60, 5);
    w.prune(t0 + windowMs);
    expect(w.size).toBe(0);
  });

  test('keeps the most recent samples once an origin passes maxSamples, and at most maxOrigins origins', () => {
    const w = new RequestWindow({ recomputeMs: 0, maxSamples: 16, maxOrigins: 3 }, t0 - windowMs);
    for (let i = 1; i <= 1000; i++) w.record('http://a:80', i < 985 ? 1_000 : 1, t0 - 1000 + i);
    // Only the last 16 are kept: the 16 fast ones, so both percentiles are 1 ms; the count is still all 1,000.
    expect(w.stats('http://a:80', t0 + 1)).toEqual({ rps: 1000 / 60, p50Ms: 1, p99Ms: 1 });
    for (const o of ['b', 'c', 'd']) w.record(`http://${o}:80`, 1, t0);
    expect(w.size).toBe(3);
    expect(w.stats('http://a:80', t0 + 1).rps).toBe(0);
  });
});
