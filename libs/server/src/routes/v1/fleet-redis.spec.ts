// The Redis path, on a real redis-server started by the harness: BullMQ driver, the fleet view
// that workers publish, a fleet-wide closeconnections, events and bull-board.
import type { OriginSnapshot } from '@courier/origin';
import type { JobRecord } from '@courier/queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRedis } from '../../../../../test/harness/index.ts';
import { readEvents } from '../../testing/sse.ts';
import { buildTestApp, json, startOrigin } from '../../testing/test-app.ts';

type FleetOrigin = OriginSnapshot & { workerId: string };

// Real Redis and a heartbeat-published view on a busy 2-core machine: a watchdog, not a bound.
describe('on Redis (BullMQ driver)', { timeout: 60_000 }, () => {
  it('runs jobs, streams their events, and shows the fleet view of origins and connections', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const { app } = await buildTestApp({ redisUrl: redis.url, client: { policy: { keepAliveTimeoutMs: 0, idleEvictionMs: 0 } } });
    const origin = await startOrigin({ keepAliveTimeout: 60_000 });

    const events = await app.inject({ url: '/v1/events', payloadAsStream: true });
    const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello` } }));
    const record = json<JobRecord>(await app.inject(`/v1/requests/${ids[0]}?wait=20000`));
    expect(record).toMatchObject({ state: 'completed', result: { status: 200 } });
    const seen = await readEvents(events.stream(), (list) => list.some((e) => e.event === 'completed'));
    expect(seen.find((e) => e.event === 'completed')?.data).toMatchObject({ id: ids[0], result: { status: 200 } });

    // Workers publish their actors on a heartbeat (1 s); the origin appears at the next one.
    const fleet = async () => json<{ scope: string; origins: FleetOrigin[] }>(await app.inject('/v1/origins'));
    await expect.poll(async () => (await fleet()).origins.some((o) => o.origin === origin.origin), { interval: 100, timeout: 20_000 }).toBe(true);
    const view = await fleet();
    expect(view.scope).toBe('fleet');
    expect(view.origins.find((o) => o.origin === origin.origin)?.workerId).toEqual(expect.any(String));

    const hasConnection = async () => json<{ hasConnection: boolean; scope: string }>(await app.inject(`/v1/connections?remote=${encodeURIComponent(origin.url)}`));
    expect(await hasConnection()).toEqual({ remote: origin.url, hasConnection: true, scope: 'fleet' });

    // A fleet-wide closeconnections: every live worker (one here) reports drained.
    const closed = await app.inject({ method: 'DELETE', url: '/v1/connections' });
    expect(closed.statusCode).toBe(200);
    expect(json(closed)).toMatchObject({ closed: true, scope: 'fleet', workers: 1, missing: [] });
    await origin.until((f) => f.openConnections === 0);
    await expect.poll(async () => (await hasConnection()).hasConnection, { interval: 100, timeout: 20_000 }).toBe(false);

    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/^courier_jobs\{state="completed"\} 1$/m);
  });

  it('serves bull-board at /admin/queues, behind the token', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const { app } = await buildTestApp({ redisUrl: redis.url, worker: false, token: 'board-token-123' });
    expect((await app.inject('/admin/queues')).statusCode).toBe(401);
    const page = await app.inject({ url: '/admin/queues', headers: { authorization: 'Bearer board-token-123' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const queues = await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: 'Bearer board-token-123' } });
    expect(queues.statusCode).toBe(200);
    expect(json<{ queues: Array<{ name: string; readOnlyMode: boolean }> }>(queues).queues).toEqual([expect.objectContaining({ name: 'jobs', readOnlyMode: true })]);
  });

  it('POST /v1/requests with "batch": true: one queue job carries the requests, each read, awaited and cancelled by its own id', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const { app, queue } = await buildTestApp({ redisUrl: redis.url });
    const origin = await startOrigin();
    const posted = await app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { batch: true, jobs: [{ url: `${origin.url}/hello`, idempotencyKey: 'b-1' }, { url: `${origin.url}/bytes/10` }, { url: `${origin.url}/hello?n=3`, delayMs: 60_000 }] },
    });
    expect(posted.statusCode).toBe(202);
    const { ids, jobs } = json<{ ids: string[]; jobs: Array<{ id: string; duplicate: boolean }> }>(posted);
    expect(new Set(ids).size).toBe(3);
    expect(jobs.every((j) => !j.duplicate)).toBe(true);
    const [hello, bytes, later] = ids;
    const records = await Promise.all([hello, bytes].map(async (id) => json<JobRecord>(await app.inject(`/v1/requests/${id}?wait=20000`))));
    expect(records.map((r) => [r.id, r.state])).toEqual([
      [hello, 'completed'],
      [bytes, 'completed'],
    ]);
    expect(records[1]!.result).toMatchObject({ status: 200, bodyBytes: 10 });
    // Two of one delay and origin share one batch job (it completes just after its last request); the delayed one has its own.
    await expect.poll(async () => queue.counts(), { interval: 50, timeout: 20_000 }).toMatchObject({ completed: 1, delayed: 1, active: 0 });
    expect(json<JobRecord>(await app.inject(`/v1/requests/${later}`))).toMatchObject({ id: later, state: 'delayed' });
    expect((await app.inject({ method: 'DELETE', url: `/v1/requests/${later}` })).statusCode).toBe(200);
    expect(json<JobRecord>(await app.inject(`/v1/requests/${later}`))).toMatchObject({ state: 'cancelled' });
    // The same key again is the same request, batch or not.
    const again = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello`, idempotencyKey: 'b-1' } });
    expect(json<{ jobs: unknown[] }>(again).jobs).toEqual([{ id: hello, duplicate: true }]);
    const bad = await app.inject({ method: 'POST', url: '/v1/requests', payload: { batch: 'yes', jobs: [{ url: `${origin.url}/hello` }] } });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { field?: string } }>(bad).error.field).toBe('batch');
  });
});
