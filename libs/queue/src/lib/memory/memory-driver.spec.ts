import { describe, expect, it, onTestFinished } from 'vitest';
import type { JobResult } from '../driver.ts';
import { describeDriver } from '../../testing/describe-driver.ts';
import { MemoryDriver } from './memory-driver.ts';

describeDriver('memory', async (options) => ({ driver: new MemoryDriver(options) }));

describe('memory driver: finished records within the byte budget', () => {
  it('drops the oldest finished records once they hold more than maxQueuedBytes (bodies included)', async () => {
    const driver = new MemoryDriver({ maxQueuedBytes: 250_000 });
    onTestFinished(() => driver.close());
    const ok: JobResult = { kind: 'request', status: 204, statusText: 'No Content', headers: {}, url: 'http://x/', redirects: [], timings: { startedAt: 0, headersMs: 0, totalMs: 0 }, bodyBytes: 0, workerId: 'w' };
    const worker = driver.startWorker(async () => ok, { concurrency: 1, originLimits: { default: { concurrency: 0 } } });
    onTestFinished(() => worker.close(0));
    const ids: string[] = [];
    for (let n = 0; n < 4; n += 1) {
      const [job] = await driver.enqueue([{ url: `http://127.0.0.1:9/${n}`, method: 'POST', body: 'x'.repeat(100_000) }]);
      expect((await driver.wait(job!.id, 30_000))?.state).toBe('completed');
      ids.push(job!.id);
    }
    // Two 100 kB records fit in 250 kB; the two oldest went (the retention count, 10,000, alone keeps all).
    const kept = await Promise.all(ids.map(async (id) => (await driver.get(id)) !== null));
    expect(kept).toEqual([false, false, true, true]);
  });
});
