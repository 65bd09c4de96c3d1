import type { JobRecord, QueueDriver } from '@courier/queue';
import { until } from './until.ts';

/**
 * Resolves with the records once every id has finished (completed, failed or cancelled). BullMQ's
 * event stream is capped (thousands of jobs make far more events than it keeps), so the queue's
 * counts are read on a short tick and the records checked one by one once they say it is time,
 * within a watchdog.
 */
export async function allFinished(queue: QueueDriver, ids: readonly string[], watchdogMs: number): Promise<JobRecord[]> {
  const deadline = Date.now() + watchdogMs;
  let pending = new Set(ids);
  let last = '';
  for (;;) {
    const counts = await queue.counts().catch(() => null);
    last = JSON.stringify(counts);
    if (counts && counts.completed + counts.failed >= pending.size) {
      const records = await Promise.all([...pending].map((id) => queue.get(id).catch(() => null)));
      pending = new Set([...pending].filter((_, i) => !['completed', 'failed', 'cancelled'].includes(records[i]?.state ?? '')));
      if (pending.size === 0) break;
    }
    if (Date.now() > deadline) throw new Error(`${pending.size} of ${ids.length} jobs unfinished after ${watchdogMs} ms; counts ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Promise.all(ids.map(async (id) => (await queue.get(id))!));
}

/**
 * Resolves with the records once every request id has finished, asking only for those still
 * pending, every `everyMs`, within a watchdog. For requests sent as batch jobs: `allFinished`'s
 * shortcut compares BullMQ's job counts with the ids, and a batch job counts once for all its requests.
 */
export async function requestsFinished(queue: QueueDriver, ids: readonly string[], watchdogMs: number, everyMs = 500): Promise<JobRecord[]> {
  let pending = [...ids];
  await until(
    async () => {
      const records = await Promise.all(pending.map((id) => queue.get(id).catch(() => null)));
      pending = pending.filter((_, i) => !['completed', 'failed', 'cancelled'].includes(records[i]?.state ?? ''));
      return pending.length === 0;
    },
    () => `every request finished (${pending.length} of ${ids.length} pending)`,
    watchdogMs,
    everyMs,
  );
  return Promise.all(ids.map(async (id) => (await queue.get(id))!));
}
