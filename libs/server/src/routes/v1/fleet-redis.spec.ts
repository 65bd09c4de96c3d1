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
});
