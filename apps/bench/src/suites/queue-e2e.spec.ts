import { describe, expect, it } from 'vitest';
import { runSuite } from '../runner.ts';
import { queueE2eSuite } from './queue-e2e.ts';
import { tinySettings } from '../testing/tiny-settings.ts';

// Smoke test: Redis, the target, three worker processes, the rounds, the command statistics and
// the profiled rounds, with a few hundred jobs. No timing assertions: only that every figure is
// a real measurement and that every job ran. The suite first builds libs/worker and its libraries
// (`npm run build`, from Nx's cache when unchanged): a cold build on a busy 2-core machine takes
// most of a minute, hence the longer watchdog.
const tiny = tinySettings;

describe('queue-e2e bench suite', () => {
  it('runs the same jobs through Courier workers and a plain BullMQ worker, and profiles them', async () => {
    const { rows, verdicts } = await runSuite(queueE2eSuite, { settings: tiny, serverCore: null });
    const run = rows.filter((r) => r.unit === 'jobs/s' && r.table.startsWith('jobs run'));
    expect(run.map((r) => r.label)).toEqual([
      'courier worker, fleet limit on',
      'courier worker, fleet limit off',
      'courier worker, fleet limit on, 200 origins × limit 2, interleaved',
      'courier worker, batch jobs',
      'BullMQ Worker + undici.request',
    ]);
    for (const row of run) {
      expect(row.value).toBeGreaterThan(0);
      expect(Number(row.columns['worker CPU µs/job']!.replace(/,/g, ''))).toBeGreaterThan(0);
    }
    const enqueue = rows.filter((r) => r.table.startsWith('enqueue'));
    expect(enqueue.map((r) => r.label)).toEqual(['courier queue.enqueue', 'courier queue.enqueue, batch jobs', 'BullMQ Queue.addBulk']);
    // Batch jobs: the Redis CPU per request is compared with the plain worker's in the same run.
    const batch = run.find((r) => r.label === 'courier worker, batch jobs')!;
    expect(batch.columns['× plain by Redis CPU/job']).not.toBe('–');
    // Every job needs BullMQ's scripts: evalsha calls were counted for each system.
    const evalsha = rows.find((r) => r.table.startsWith('Redis commands') && r.label === 'evalsha')!;
    expect(evalsha.value).toBeGreaterThanOrEqual(1);
    // The fleet limit's own script calls are measured, not assumed to be one per job.
    const limitScripts = rows.find((r) => r.table.startsWith('Redis commands') && r.label.startsWith('fleet-limit scripts'))!;
    expect(Number.isFinite(limitScripts.value)).toBe(true);
    expect(limitScripts.value).toBeLessThan(evalsha.value);
    // Contended: jobs interleaved over 200 origins hardly ever reuse a lingering slot, so the limit's
    // scripts run for nearly every job (acquire and release: about two calls per job).
    const contended = evalsha.columns['courier worker, fleet limit on, 200 origins × limit 2, interleaved'];
    expect(Number(contended)).toBeGreaterThan(Number(evalsha.columns['courier worker, fleet limit on']) + 1);
    const profile = rows.filter((r) => r.table.startsWith('where the worker'));
    const sampled = profile.find((r) => r.label === 'total sampled while not idle')!;
    expect(sampled.value).toBeGreaterThan(0);
    expect(Object.keys(sampled.columns)).toEqual(['limit off µs/job', 'batch µs/job', 'plain µs/job']);
    expect(Number(sampled.columns['plain µs/job'])).toBeGreaterThan(0);
    expect(rows.some((r) => r.table.startsWith('worker hot spots'))).toBe(true);
    const records = rows.filter((r) => r.table.startsWith('what the job records alone cost'));
    expect(records.map((r) => r.label)).toEqual(['plain records (BullMQ ids, `{ url }`, plain result)', 'Courier records (its ids, data, options and result)']);
    for (const row of records) expect(row.value).toBeGreaterThan(0);
    // The Courier record is the real one: it carries the body base64-encoded and more fields.
    expect(Number(records[1]!.columns['result bytes (JSON)'])).toBeGreaterThan(Number(records[0]!.columns['result bytes (JSON)']));
    expect(verdicts.map((v) => v.target)).toEqual([
      'courier worker, fleet limit on ≥ 1.00× BullMQ Worker + undici.request',
      'courier worker, fleet limit off ≥ 1.00× BullMQ Worker + undici.request',
      'courier worker, batch jobs ≥ 3× BullMQ Worker + undici.request requests/s (same worker count)',
      "courier worker, batch jobs: Redis CPU per request ≤ ⅓ of BullMQ Worker + undici.request's",
      'courier queue.enqueue ≥ 0.9× BullMQ Queue.addBulk',
      'courier queue.enqueue, batch jobs ≥ 0.9× BullMQ Queue.addBulk',
    ]);
    for (const v of verdicts) expect(v.met).not.toBeNull();
  }, 180_000);
});
