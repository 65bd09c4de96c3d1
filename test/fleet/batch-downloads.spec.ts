/**
 * The download fleet suite with batch jobs (issue 16): 500 downloads of one URL enqueued as batch
 * jobs (20 per queue job) for 3 worker processes sharing a Redis and a download cache → exactly
 * one upstream GET carries the body, every `dst` is right, and progress reaches this process
 * under each download's own id.
 */
import { join } from 'node:path';
import { createQueue, type DownloadResult, type JobProgress } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startFleet } from '../campaigns/support/fleet.ts';
import { serveGeneratedFile } from '../download/support/generated-file.ts';
import { sha256File } from '../download/support/setup.ts';
import { startHttpFixture } from '../fixtures/index.ts';
import { requestsFinished, startRedis, type RedisHandle } from '../harness/index.ts';

const MiB = 1024 * 1024;
const JOBS = 500;
const RUN_WATCHDOG_MS = 90_000;

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('download jobs as batch jobs across worker processes', () => {
  it(
    `${JOBS} downloads of one URL as batch jobs on 3 workers: exactly 1 upstream GET carries the body, and every dst is right`,
    async () => {
      const origin = await startHttpFixture();
      onTestFinished(() => origin.close());
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      onTestFinished(() => release());
      let holding!: () => void;
      const transferHeld = new Promise<void>((resolve) => (holding = resolve));
      const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: released, reached: () => holding() } });

      const fleet = await startFleet(redis, { workers: 3, concurrency: 16, cache: true });
      const queue = await createQueue({ redisUrl: redis.url, prefix: fleet.prefix, batch: { maxJobs: 20 } });
      onTestFinished(() => queue.close());
      const active = new Set<string>();
      let enoughActive!: () => void;
      const manyActive = new Promise<void>((resolve) => (enoughActive = resolve));
      const progress: JobProgress[] = [];
      const unsubscribe = queue.subscribe((event) => {
        if (event.type === 'active' && active.add(event.id).size > 32) enoughActive();
        if (event.type === 'progress') progress.push(event.progress);
      });
      onTestFinished(unsubscribe);

      const jobs = Array.from({ length: JOBS }, (_, i) => ({ kind: 'download' as const, url: file.url, dst: `fleet/dev-${i}/fw.bin`, sha256: file.sha256(), size: file.size }));
      const ids = (await queue.enqueue(jobs, undefined, { batch: true })).map((r) => r.id);
      expect(new Set(ids).size).toBe(JOBS);

      await Promise.all([manyActive, transferHeld]);
      expect(file.bodyResponses).toBe(1);
      release();
      const records = await requestsFinished(queue, ids, RUN_WATCHDOG_MS, 250);

      const failed = records.filter((r) => r.state !== 'completed');
      expect(failed.map((r) => r.error), fleet.workers.map((w) => w.log()).join('\n').slice(-4000)).toEqual([]);
      expect(file.bodyResponses).toBe(1);
      expect(file.served.filter((s) => s.status === 200 || s.status === 206)).toHaveLength(1);
      expect(progress.some((p) => p.total === file.size && p.bytes > 0 && p.bytes <= file.size && typeof p.rate === 'number')).toBe(true);
      const results = records.map((r) => r.result as DownloadResult);
      expect(new Set(results.map((r) => r.workerId)).size).toBeGreaterThanOrEqual(2);
      expect(results.reduce((sum, r) => sum + r.fetchedBytes, 0)).toBe(file.size);
      for (let i = 0; i < JOBS; i += 1) {
        expect(results[i]).toMatchObject({ kind: 'download', dst: `fleet/dev-${i}/fw.bin`, bytes: file.size, sha256: file.sha256() });
        expect(await sha256File(join(fleet.root, `fleet/dev-${i}/fw.bin`))).toBe(file.sha256());
      }
    },
    RUN_WATCHDOG_MS + 60_000,
  );
});
