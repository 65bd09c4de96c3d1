/**
 * Issue 5: 500 download jobs for one URL, enqueued through `POST /v1/downloads`, run by 3 worker
 * processes sharing a Redis and a download cache directory → exactly one upstream GET carries
 * the body, and all 500 `dst` files are right. Real Redis (harness), real worker processes
 * (`courier worker`), a loopback fixture origin in this process; orders come from a latch.
 */
import { join } from 'node:path';
import type { DownloadResult, JobProgress, JobRecord } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startApi, startFleet } from '../campaigns/support/fleet.ts';
import { serveGeneratedFile } from '../download/support/generated-file.ts';
import { sha256File } from '../download/support/setup.ts';
import { startHttpFixture } from '../fixtures/index.ts';
import { allFinished, startRedis, type RedisHandle } from '../harness/index.ts';

const MiB = 1024 * 1024;
const JOBS = 500;
/** Watchdog for the whole run on a loaded 2-core machine (a bound, not a timing claim). */
const RUN_WATCHDOG_MS = 90_000;

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('download jobs across worker processes', () => {
  it(
    `${JOBS} jobs for one URL on 3 workers: exactly 1 upstream GET carries the body, and every dst is right`,
    async () => {
      const origin = await startHttpFixture();
      onTestFinished(() => origin.close());
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      onTestFinished(() => release());
      // The one transfer stops at 1 MiB until every worker has jobs waiting on it.
      let holding!: () => void;
      const transferHeld = new Promise<void>((resolve) => (holding = resolve));
      const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: released, reached: () => holding() } });

      const fleet = await startFleet(redis, { workers: 3, concurrency: 16, cache: true });
      const { app, queue } = await startApi(redis, fleet);
      // Subscribed before the jobs exist, so no `active` event is missed.
      const active = new Set<string>();
      let enoughActive!: () => void;
      const allWorkersBusy = new Promise<void>((resolve) => (enoughActive = resolve));
      // 16 jobs at most per worker: more than 32 running at once means all three workers hold some.
      const progress: JobProgress[] = [];
      const unsubscribe = queue.subscribe((event) => {
        if (event.type === 'active' && active.add(event.id).size > 32) enoughActive();
        if (event.type === 'progress') progress.push(event.progress);
      });
      onTestFinished(unsubscribe);

      const jobs = Array.from({ length: JOBS }, (_, i) => ({ url: file.url, dst: `fleet/dev-${i}/fw.bin`, sha256: file.sha256(), size: file.size }));
      const posted = await app.inject({ method: 'POST', url: '/v1/downloads', payload: { jobs } });
      expect(posted.statusCode, posted.body).toBe(202);
      const { ids } = JSON.parse(posted.body) as { ids: string[] };
      expect(new Set(ids).size).toBe(JOBS);

      await Promise.all([allWorkersBusy, transferHeld]);
      expect(file.bodyResponses).toBe(1);
      release();
      const records: JobRecord[] = await allFinished(queue, ids, RUN_WATCHDOG_MS);

      const failed = records.filter((r) => r.state !== 'completed');
      expect(failed.map((r) => r.error), fleet.workers.map((w) => w.log()).join('\n').slice(-4000)).toEqual([]);
      expect(file.bodyResponses).toBe(1);
      expect(file.served.filter((s) => s.status === 200 || s.status === 206)).toHaveLength(1);
      // Job progress reached this process from the worker processes through Redis: bytes, total, rate.
      expect(progress.some((p) => p.total === file.size && p.bytes > 0 && p.bytes <= file.size && typeof p.rate === 'number')).toBe(true);
      const results = records.map((r) => r.result as DownloadResult);
      expect(new Set(results.map((r) => r.workerId)).size).toBe(3);
      expect(results.reduce((sum, r) => sum + r.fetchedBytes, 0)).toBe(file.size);
      for (let i = 0; i < JOBS; i += 1) {
        expect(results[i]).toMatchObject({ kind: 'download', dst: `fleet/dev-${i}/fw.bin`, bytes: file.size, sha256: file.sha256() });
        expect(await sha256File(join(fleet.root, `fleet/dev-${i}/fw.bin`))).toBe(file.sha256());
      }
    },
    RUN_WATCHDOG_MS + 60_000,
  );
});
