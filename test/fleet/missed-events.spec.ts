// The queue's event stream is capped: a result event can be missed. The fleet transport then
// looks the job up once it is overdue, so no coroutine waits forever.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@courier/origin';
import { createQueue, startWorker, type QueueDriver, type QueueEvent } from '@courier/queue';
import { createFleetTransport, createPlutoHttp, Scheduler, type PlutoResult } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRedis } from '../harness/index.ts';
import { origin } from './support/fleet-http.ts';

/** The driver, with every result event of the first `n` jobs lost on the way to its subscribers. */
function losingResults(driver: QueueDriver, n: number): QueueDriver {
  const lost = new Set<string>();
  const subscribe = (listener: (event: QueueEvent) => void) =>
    driver.subscribe((event) => {
      if (event.type === 'completed' || event.type === 'failed') {
        if (lost.has(event.id) || lost.size < n) {
          lost.add(event.id);
          return;
        }
      }
      listener(event);
    });
  return new Proxy(driver, {
    get(target, property) {
      if (property === 'subscribe') return subscribe;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('fleet transport, missed result events', () => {
  it('looks overdue jobs up and answers every coroutine', async () => {
    const f = await origin();
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const resultsDir = await mkdtemp(join(tmpdir(), 'courier-missed-'));
    onTestFinished(() => rm(resultsDir, { recursive: true, force: true }));
    const producer = await createQueue({ redisUrl: redis.url });
    onTestFinished(() => producer.close());
    const workerQueue = await createQueue({ redisUrl: redis.url, events: false });
    onTestFinished(() => workerQueue.close());
    const client = createClient();
    onTestFinished(() => client.destroy());
    const worker = startWorker({ queue: workerQueue, client, concurrency: 4, resultsDir, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 2 });
    onTestFinished(() => worker.close());

    const transport = createFleetTransport({ queue: losingResults(producer, 3), resultsDir, recheckAfterMs: 200 });
    onTestFinished(() => transport.close());
    const http = createPlutoHttp({ transport });
    const sched = new Scheduler();
    const results: PlutoResult[] = [];
    for (const path of ['/hello', '/hello', '/status/404', '/hello', '/hello']) {
      sched.add(function* () {
        results.push(yield* http.request(`${f.url}${path}`));
      });
    }
    await sched.run();
    expect(results.map((r) => r[1]).sort()).toEqual([200, 200, 200, 200, 404]);
    expect(results.filter((r) => r[1] === 200).every((r) => r[0] === 'hello world')).toBe(true);
    expect(transport.stats.rechecked).toBeGreaterThanOrEqual(3);
    // The driver was the caller's: still open.
    expect(await producer.counts()).toMatchObject({ active: 0 });
  }, 120_000);
});
