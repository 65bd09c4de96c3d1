import { describe, expect, it } from 'vitest';
import { packBatches } from './batch-packing.ts';
import { payloadBytes } from './depth/queue-depth.ts';
import { prepareJobs } from './prepare-jobs.ts';

describe('packBatches', () => {
  it('groups by origin, delay and priority, and cuts at the count', () => {
    const jobs = prepareJobs(
      [
        ...Array.from({ length: 7 }, (_, i) => ({ url: `http://a.test/x?i=${i}` })),
        ...Array.from({ length: 3 }, (_, i) => ({ url: `http://b.test/y?i=${i}` })),
        { url: 'http://a.test/delayed' },
        { url: 'http://a.test/urgent' },
      ],
      [...Array.from({ length: 10 }, () => ({})), { delayMs: 1_000 }, { priority: 5 }],
    );
    const batches = packBatches(jobs, { maxJobs: 3, maxBytes: 1024 * 1024 });
    const shape = batches.map((b) => ({ urls: b.members.map((m) => m.stored.url), delayMs: b.delayMs, priority: b.priority }));
    expect(shape).toEqual([
      { urls: ['http://a.test/x?i=0', 'http://a.test/x?i=1', 'http://a.test/x?i=2'], delayMs: 0, priority: undefined },
      { urls: ['http://a.test/x?i=3', 'http://a.test/x?i=4', 'http://a.test/x?i=5'], delayMs: 0, priority: undefined },
      { urls: ['http://a.test/x?i=6'], delayMs: 0, priority: undefined },
      { urls: ['http://b.test/y?i=0', 'http://b.test/y?i=1', 'http://b.test/y?i=2'], delayMs: 0, priority: undefined },
      { urls: ['http://a.test/delayed'], delayMs: 1_000, priority: undefined },
      { urls: ['http://a.test/urgent'], delayMs: 0, priority: 5 },
    ]);
    expect(batches.flatMap((b) => b.members)).toHaveLength(jobs.length);
  });

  it('cuts at the byte bound; a request larger than it goes alone', () => {
    const big = 'x'.repeat(5_000);
    const jobs = prepareJobs([{ url: 'http://a.test/1' }, { url: 'http://a.test/2', body: big }, { url: 'http://a.test/3' }, { url: 'http://a.test/4' }], undefined);
    const maxBytes = payloadBytes(jobs[0]!.stored) * 2 + 10;
    const batches = packBatches(jobs, { maxJobs: 100, maxBytes });
    expect(batches.map((b) => b.members.map((m) => m.stored.url))).toEqual([['http://a.test/1'], ['http://a.test/2'], ['http://a.test/3', 'http://a.test/4']]);
    for (const b of batches) expect(b.bytes).toEqual(b.members.map((m) => payloadBytes(m.stored)));
  });
});
