import type { OriginSnapshot } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { buildTestApp, json, startOrigin } from '../../../testing/test-app.ts';

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}

/** Sockets stay open until closed on purpose, so `hasconnection` is not at the mercy of a timer. */
const keepSockets = { client: { policy: { keepAliveTimeoutMs: 0, idleEvictionMs: 0 } } };

async function runJob(app: Awaited<ReturnType<typeof buildTestApp>>['app'], url: string): Promise<void> {
  const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url } }));
  const record = json<{ state: string }>(await app.inject(`/v1/requests/${ids[0]}?wait=10000`));
  expect(record.state).toBe('completed');
}

describe('GET /v1/origins', () => {
  it("shows the in-process worker's origin actors", async () => {
    const { app } = await buildTestApp(keepSockets);
    const origin = await startOrigin({ keepAliveTimeout: 60_000 });
    const empty = json<{ scope: string; origins: OriginSnapshot[] }>(await app.inject('/v1/origins'));
    expect(empty).toMatchObject({ scope: 'local', origins: [] });

    await runJob(app, `${origin.url}/hello`);
    const answer = json<{ scope: string; total: number; origins: OriginSnapshot[] }>(await app.inject('/v1/origins'));
    expect(answer.total).toBe(1);
    expect(answer.origins[0]).toMatchObject({ origin: origin.origin, completed: 1, inFlight: 0 });
    expect(['available', 'idle']).toContain(answer.origins[0]?.state);

    const filtered = json<{ origins: OriginSnapshot[] }>(await app.inject('/v1/origins?filter=no-such-host'));
    expect(filtered.origins).toEqual([]);
    const limited = await app.inject('/v1/origins?limit=zero');
    expect(limited.statusCode).toBe(400);
    expect(json<ErrorAnswer>(limited).error.field).toBe('query.limit');
  });
});

describe('/v1/connections (hasconnection, closeconnections)', () => {
  it('reports a reusable socket after a job, and none after DELETE /v1/connections', async () => {
    const { app } = await buildTestApp(keepSockets);
    const origin = await startOrigin({ keepAliveTimeout: 60_000 });
    const ask = async () => json<{ hasConnection: boolean }>(await app.inject(`/v1/connections?remote=${encodeURIComponent(`${origin.url}/any/path`)}`)).hasConnection;
    expect(await ask()).toBe(false);
    await runJob(app, `${origin.url}/hello`);
    expect(await ask()).toBe(true);

    const closed = await app.inject({ method: 'DELETE', url: `/v1/connections?remote=${encodeURIComponent(origin.url)}` });
    expect(closed.statusCode).toBe(200);
    expect(json(closed)).toMatchObject({ closed: true, scope: 'local', workers: 1, missing: [] });
    expect(await ask()).toBe(false);
    await origin.until((f) => f.openConnections === 0);
  });

  it('closes every origin without ?remote', async () => {
    const { app } = await buildTestApp(keepSockets);
    const a = await startOrigin({ keepAliveTimeout: 60_000 });
    const b = await startOrigin({ keepAliveTimeout: 60_000 });
    await runJob(app, `${a.url}/hello`);
    await runJob(app, `${b.url}/hello`);
    expect((await app.inject({ method: 'DELETE', url: '/v1/connections' })).statusCode).toBe(200);
    await a.until((f) => f.openConnections === 0);
    await b.until((f) => f.openConnections === 0);
  });

  it('names query.remote when it is missing or not a URL', async () => {
    const { app } = await buildTestApp({ worker: false });
    const missing = await app.inject('/v1/connections');
    expect(missing.statusCode).toBe(400);
    expect(json<ErrorAnswer>(missing).error).toMatchObject({ code: 'BAD_OPTION', field: 'query.remote' });
    const scheme = await app.inject(`/v1/connections?remote=${encodeURIComponent('ftp://127.0.0.1/')}`);
    expect(scheme.statusCode).toBe(400);
    expect(json<ErrorAnswer>(scheme).error).toMatchObject({ code: 'UNSUPPORTED_SCHEME', field: 'query.remote' });
    const bad = await app.inject({ method: 'DELETE', url: `/v1/connections?remote=${encodeURIComponent('http://')}` });
    expect(json<ErrorAnswer>(bad).error).toMatchObject({ code: 'BAD_URL', field: 'query.remote' });
  });
});
