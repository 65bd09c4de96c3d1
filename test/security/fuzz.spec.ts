// Issue 13, "it must show": at least 10,000 generated bad API calls across every route, each
// answered with a 4xx and the stable error body (naming the field where a field is wrong), no
// 5xx, no hang, nothing enqueued, and the server healthy afterwards. The route table is checked
// against the app's own router, so a route added without fuzz cases fails here.
// Reproducible: one seed for the file; a failure prints its seed and path for `fc.assert`.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { serverDefaults } from '@courier/server';
import { describe, expect, it } from 'vitest';
import { campaignBodies, downloadBodies, garbageBodies, requestBodies, sessionBodies } from './fuzz/body-cases.ts';
import { routesOf, runCase, startFuzzApp, type FuzzCase } from './fuzz/fuzz-app.ts';
import { campaignQuery, campaignsListQuery, idCases, originsQuery, remoteCases, requestsListQuery, requestWaitQuery } from './fuzz/url-cases.ts';
import { unknownId } from './fuzz/bad-values.ts';

const seed = 20_261_207;

interface RoutePlan {
  /** Generated bad calls for this route, and how many to run (0: it takes no input, see `why`). */
  cases?: fc.Arbitrary<FuzzCase>;
  runs: number;
  /** Answers without the token (its auth cases expect `ok`, not 401). */
  public?: boolean;
  /** Why a route has no input cases of its own (its method and auth cases still run). */
  why?: string;
}

/** Ignored query strings and bodies on a route that reads neither: a 2xx or a 4xx, never a 5xx. */
function junk(method: HTTPMethods, path: string): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    fc.string({ maxLength: 30 }).map((q) => ({ method, url: `${path}?${encodeURIComponent(q)}=${encodeURIComponent(q)}`, expect: { ok: true } })),
    fc.constantFrom('%', '%zz', '%00', 'a=%E0%A4%A', '&&&', '=', 'a[b]=1', '__proto__=1', 'constructor[prototype][x]=1').map((q) => ({ method, url: `${path}?${q}`, expect: { ok: true } })),
    ...(method === 'GET' ? [] : [garbageBodies(method, path, { validKeys: [] }).map((c) => ({ ...c, expect: { ...c.expect, ok: true } }))]),
  );
}

/** The dashboard's browser modules (served one route each): every one gets the static files' cases. */
const dashboardModules = readdirSync(fileURLToPath(new URL('../../libs/server/src/dashboard/public/modules/', import.meta.url))).filter((file) => file.endsWith('.js'));

const sse = 'an event stream with no parameters: a valid call never ends, so only its method and auth cases run';

/** Every route of the API → its bad calls. Keys are `METHOD /path` as the router prints them. */
const plans: Record<string, RoutePlan> = {
  'POST /v1/requests': { cases: requestBodies(serverDefaults.maxBatch), runs: 2_400 },
  'GET /v1/requests': { cases: requestsListQuery, runs: 300 },
  'GET /v1/requests/:id': { cases: fc.oneof(idCases('GET', '/v1/requests/:id'), requestWaitQuery), runs: 300 },
  'DELETE /v1/requests/:id': { cases: idCases('DELETE', '/v1/requests/:id'), runs: 150 },
  'POST /v1/requests/:id/retry': { cases: idCases('POST', '/v1/requests/:id/retry'), runs: 150 },
  'GET /v1/requests/:id/body': { cases: idCases('GET', '/v1/requests/:id/body'), runs: 150 },
  'GET /v1/requests/:id/events': { cases: idCases('GET', '/v1/requests/:id/events'), runs: 150 },
  'POST /v1/downloads': { cases: downloadBodies(), runs: 1_500 },
  'GET /v1/downloads/:id': { cases: idCases('GET', '/v1/downloads/:id'), runs: 150 },
  'POST /v1/campaigns': { cases: campaignBodies(), runs: 1_500 },
  'GET /v1/campaigns': { cases: campaignsListQuery, runs: 200 },
  'GET /v1/campaigns/:id': { cases: fc.oneof(idCases('GET', '/v1/campaigns/:id'), campaignQuery), runs: 300 },
  'DELETE /v1/campaigns/:id': { cases: idCases('DELETE', '/v1/campaigns/:id'), runs: 150 },
  'GET /v1/connections': { cases: remoteCases('GET', '/v1/connections', 'remote', true), runs: 300 },
  'DELETE /v1/connections': { cases: remoteCases('DELETE', '/v1/connections', 'remote', false), runs: 300 },
  'GET /v1/origins': { cases: originsQuery, runs: 200 },
  'GET /v1/dashboard/inspect': { cases: remoteCases('GET', '/v1/dashboard/inspect', 'origin', true), runs: 300 },
  'POST /v1/session': { cases: sessionBodies(), runs: 500, public: true },
  'DELETE /v1/session': { cases: junk('DELETE', '/v1/session'), runs: 100, public: true },
  'GET /v1/dashboard/session': { cases: junk('GET', '/v1/dashboard/session'), runs: 50, public: true },
  'GET /v1/dashboard': { cases: junk('GET', '/v1/dashboard'), runs: 50 },
  'GET /healthz': { cases: junk('GET', '/healthz'), runs: 50, public: true },
  'GET /metrics': { cases: junk('GET', '/metrics'), runs: 50 },
  'GET /': { cases: junk('GET', '/'), runs: 50, public: true },
  'GET /dashboard/dashboard.js': { cases: junk('GET', '/dashboard/dashboard.js'), runs: 30, public: true },
  'GET /dashboard/dashboard.css': { cases: junk('GET', '/dashboard/dashboard.css'), runs: 30, public: true },
  ...Object.fromEntries(
    dashboardModules.map((file): [string, RoutePlan] => [`GET /dashboard/modules/${file}`, { cases: junk('GET', `/dashboard/modules/${file}`), runs: 10, public: true }]),
  ),
  'GET /v1/events': { runs: 0, why: sse },
  'GET /v1/dashboard/events': { runs: 0, why: sse },
};

const allMethods: HTTPMethods[] = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'];

/** A concrete path for a route pattern. */
const fill = (path: string) => unknownId.map((id) => path.replace(':id', encodeURIComponent(id)));

/** Methods the route's path does not serve: a 404 NOT_FOUND. */
function wrongMethodCases(routes: readonly string[], path: string): fc.Arbitrary<FuzzCase> {
  const served = new Set(routes.filter((r) => r.endsWith(` ${path}`)).map((r) => r.split(' ')[0]!));
  if (served.has('GET')) served.add('HEAD');
  const others = allMethods.filter((m) => !served.has(m));
  return fc.tuple(fc.constantFrom(...others), fill(path), fc.constantFrom(undefined, '{}', '{"url":"http://127.0.0.1:9/"}')).map(([method, url, payload]) => ({
    method,
    url,
    ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }),
    expect: { status: 404, codes: ['NOT_FOUND'] },
  }));
}

const token = 'fuzz-token-0123456789abcdef';

/** Wrong, malformed and empty credentials: 401 on every protected route (no SSE stream opens). */
function badCredentialCases(route: string, plan: RoutePlan): fc.Arbitrary<FuzzCase> {
  const [method, path] = route.split(' ') as [HTTPMethods, string];
  const authorization = fc.oneof(
    fc.stringMatching(/^[\x21-\x7e]{1,40}$/).map((t) => `Bearer ${t}`),
    fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer', 'Basic YTpi', `Bearer ${token} x`, `Bearer ${token.slice(0, -1)}`, `Token ${token}`, `Bearer ${'x'.repeat(5000)}`),
  );
  const cookie = fc.oneof(
    fc.stringMatching(/^[\x21-\x3a\x3c-\x7e]{0,60}$/).map((v) => `courier_session=${v}`),
    fc.constantFrom('courier_session=', 'courier_session', '=;=;', 'courier_session=a.b.c', 'courier_session="x"', `courier_session=${'a'.repeat(5000)}`),
  );
  const headers = fc.oneof(
    authorization.map((a): Record<string, string> => ({ authorization: a })),
    cookie.map((c): Record<string, string> => ({ cookie: c })),
  );
  return fc.tuple(fill(path), headers).map(([url, h]) => {
    // The session route checks the token itself: a wrong one in its body is a 401 as well.
    if (route === 'POST /v1/session') return { method, url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: (h['authorization'] ?? 'x').slice(0, 4096) }), expect: { status: 401, codes: ['UNAUTHORIZED'] } };
    return { method, url, headers: h, expect: plan.public === true ? { ok: true } : { status: 401, codes: ['UNAUTHORIZED'] } };
  });
}

/** Runs `runs` cases of `arbitrary` against `app`; returns how many ran. */
async function fuzz(app: FastifyInstance, arbitrary: fc.Arbitrary<FuzzCase>, runs: number): Promise<number> {
  let ran = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (c) => {
      ran += 1;
      await runCase(app, c);
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  return ran;
}

async function expectHealthy(app: FastifyInstance): Promise<void> {
  const health = await app.inject('/healthz');
  expect(health.statusCode, health.body).toBe(200);
}

describe('fuzzing every API route with bad input (fast-check, fixed seed)', () => {
  let total = 0;

  it('has a plan for every route the app serves, and no plan for a route it does not', async () => {
    const { app } = await startFuzzApp();
    expect(routesOf(app)).toEqual(Object.keys(plans).sort());
  });

  for (const [route, plan] of Object.entries(plans)) {
    if (plan.cases === undefined) continue;
    const cases = plan.cases;
    it(`${route}: ${plan.runs} bad calls, each a 4xx with the stable body naming the field; nothing enqueued; still healthy`, async () => {
      const { app, queue } = await startFuzzApp();
      const before = await queue.counts();
      const ran = await fuzz(app, cases, plan.runs);
      expect(ran).toBe(plan.runs);
      total += ran;
      expect(await queue.counts()).toEqual(before);
      const campaigns = await app.inject('/v1/campaigns');
      expect((JSON.parse(campaigns.body) as { campaigns: unknown[] }).campaigns).toEqual([]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      await expectHealthy(app);
    });
  }

  it('answers a method a route does not serve with 404 NOT_FOUND, on every route', async () => {
    const { app } = await startFuzzApp();
    const routes = routesOf(app);
    for (const path of new Set(routes.map((r) => r.split(' ')[1]!))) total += await fuzz(app, wrongMethodCases(routes, path), 40);
    await expectHealthy(app);
  });

  it('answers bad credentials with 401 UNAUTHORIZED on every protected route (token set)', async () => {
    const { app } = await startFuzzApp(token);
    for (const route of routesOf(app)) total += await fuzz(app, badCredentialCases(route, plans[route]!), 60);
    await expectHealthy(app);
  });

  it('answers a body over the limit with 413 and a lying Content-Length with 400, on every route that takes a body', async () => {
    const { app, queue } = await startFuzzApp();
    const tooLarge = `{"url":"${'a'.repeat(serverDefaults.bodyLimitBytes)}"}`;
    for (const route of routesOf(app).filter((r) => r.startsWith('POST '))) {
      const url = route.slice('POST '.length).replace(':id', 'some-id');
      await runCase(app, { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: tooLarge, expect: { status: 413, codes: ['BODY_TOO_LARGE'] } });
      await runCase(app, {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'content-length': '5' },
        payload: '{}',
        expect: { status: 400, codes: ['BAD_BODY'], field: 'body' },
      });
      total += 2;
    }
    expect(await queue.counts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
    await expectHealthy(app);
  });

  it('ran at least 10,000 generated cases in all', () => {
    console.info(`fuzz: ${total} generated cases`);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });
});
