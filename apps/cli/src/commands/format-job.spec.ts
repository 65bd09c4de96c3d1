import type { JobRecord } from '@courier/queue';
import { describe, expect, it } from 'vitest';
import { detailText } from './format-job.ts';

const download = (over: Partial<JobRecord>): JobRecord =>
  ({ id: 'j1', kind: 'download', state: 'active', attempts: 0, createdAt: 0, input: { kind: 'download', url: 'https://fw.example/v2.bin', dst: 'fleet/dev-1/v2.bin' }, ...over }) as JobRecord;

describe('courier status, a download', () => {
  it('counts the try under way of an active job, and says where a relative dst is', () => {
    const text = detailText(download({ progress: { bytes: 10, total: 100, rate: 1 } }));
    expect(text).toMatch(/^attempts: +1 \(this one running\)$/m);
    expect(text).toMatch(/^dst: +fleet\/dev-1\/v2\.bin \(under the worker's COURIER_DOWNLOAD_ROOT\)$/m);
  });

  it('shows finished attempts as counted, and an absolute dst as it is', () => {
    const text = detailText(download({ state: 'completed', attempts: 2, result: { kind: 'download', dst: '/data/downloads/a.bin', bytes: 1, sha256: 'ab', fetchedBytes: 1, workerId: 'w' } }));
    expect(text).toMatch(/^attempts: +2$/m);
    expect(text).toMatch(/^dst: +\/data\/downloads\/a\.bin$/m);
  });
});
