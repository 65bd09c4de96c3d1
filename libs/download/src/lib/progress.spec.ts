import { describe, expect, it } from 'vitest';
import { ProgressMeter, ProgressStream } from './progress.ts';
import type { DownloadProgress } from './types.ts';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProgressMeter', () => {
  it('throttles reports to the interval, but reports a new phase or total at once', () => {
    const clock = fakeClock();
    const reports: DownloadProgress[] = [];
    const meter = new ProgressMeter((p) => reports.push(p), { intervalMs: 100, now: clock.now });
    meter.update(0, null, 'fetching');
    meter.update(0, 1000, 'fetching');
    clock.advance(10);
    meter.update(10, 1000, 'fetching');
    clock.advance(100);
    meter.update(20, 1000, 'fetching');
    meter.update(30, 1000, 'done');
    expect(reports.map((r) => [r.bytes, r.total, r.phase])).toEqual([
      [0, null, 'fetching'],
      [0, 1000, 'fetching'],
      [20, 1000, 'fetching'],
      [30, 1000, 'done'],
    ]);
  });

  it('measures the rate from received bytes over the window, not from resumed bytes', () => {
    const clock = fakeClock();
    const meter = new ProgressMeter(undefined, { rateWindowMs: 1000, now: clock.now });
    meter.update(5000, 10_000, 'verifying');
    meter.snapshot();
    for (let i = 0; i < 10; i += 1) {
      clock.advance(100);
      meter.received(100);
      meter.update(5000 + (i + 1) * 100, 10_000, 'fetching');
    }
    const p = meter.snapshot();
    expect(p.rate).toBe(1000);
    expect(p.etaSeconds).toBe(4);
  });

  it('has no ETA without a total or a rate', () => {
    const meter = new ProgressMeter(undefined, { now: () => 0 });
    meter.update(10, null, 'fetching');
    expect(meter.snapshot()).toMatchObject({ rate: 0, etaSeconds: null, total: null });
  });
});

describe('ProgressStream', () => {
  it('yields the latest report, skipping ones a slow reader missed, and ends', async () => {
    const stream = new ProgressStream();
    const base = { total: 3, rate: 0, etaSeconds: null, phase: 'fetching' as const };
    stream.push({ ...base, bytes: 1 });
    stream.push({ ...base, bytes: 2 });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const p of stream) seen.push(p.bytes);
    })();
    await new Promise((r) => setImmediate(r));
    stream.push({ ...base, bytes: 3 });
    stream.end();
    await reading;
    expect(seen).toEqual([2, 3]);
  });

  it('throws the error it was ended with', async () => {
    const stream = new ProgressStream();
    stream.end(new Error('boom'));
    await expect((async () => {
      for await (const _ of stream) void _;
    })()).rejects.toThrow('boom');
  });
});
