import { describe, expect, it } from 'vitest';
import { buildTestApp, json, startOrigin } from '../testing/test-app.ts';

async function runJobs(app: Awaited<ReturnType<typeof buildTestApp>>['app'], urls: string[]): Promise<void> {
  const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { jobs: urls.map((url) => ({ url, attempts: 1 })) } }));
  for (const id of ids) await app.inject(`/v1/requests/${id}?wait=10000`);
}

/** The value of one sample line, e.g. `courier_jobs{state="completed"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('exposes jobs by state, request latency per origin and outcomes in the Prometheus format', async () => {
    const { app } = await buildTestApp();
    const origin = await startOrigin();
    await runJobs(app, [`${origin.url}/hello`, `${origin.url}/hello`, `${origin.url}/status/404`]);
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(sample(text, 'courier_jobs{state="completed"}')).toBe(2);
    expect(sample(text, 'courier_jobs{state="failed"}')).toBe(1);
    expect(sample(text, `courier_request_duration_seconds_count{origin="${origin.origin}"}`)).toBe(3);
    // Three requests got a response (the 404 fails its job, not the request). The origin lib's
    // diagnostics carry no status yet, so they may count as "response" rather than 2xx / 4xx.
    const outcomes = [...text.matchAll(/^courier_request_outcomes_total\{outcome="([^"]+)"\} (\d+)$/gm)];
    expect(outcomes.map((m) => m[1]).every((o) => ['2xx', '4xx', 'response'].includes(o!))).toBe(true);
    expect(outcomes.reduce((n, m) => n + Number(m[2]), 0)).toBe(3);
    expect(sample(text, 'courier_origin_actors')).toBe(1);
    expect(sample(text, `courier_origin_in_flight{origin="${origin.origin}"}`)).toBe(0);
    expect(text).toContain('courier_process_resident_memory_bytes');
  });

  it('keeps per-origin labels bounded: beyond the top N, origins share "other"', async () => {
    const { app } = await buildTestApp({ config: { metricsTopOrigins: 1 } });
    const a = await startOrigin();
    const b = await startOrigin();
    const c = await startOrigin();
    await runJobs(app, [`${a.url}/hello`, `${a.url}/hello`]);
    await runJobs(app, [`${b.url}/hello`, `${c.url}/hello`]);
    const text = (await app.inject('/metrics')).body;
    const origins = new Set([...text.matchAll(/courier_request_duration_seconds_count\{origin="([^"]+)"\}/g)].map((m) => m[1]));
    expect(origins).toEqual(new Set([a.origin, 'other']));
    expect(sample(text, 'courier_request_duration_seconds_count{origin="other"}')).toBe(2);
    const inFlightSeries = [...text.matchAll(/^courier_origin_in_flight\{origin="([^"]+)"\}/gm)].map((m) => m[1]);
    expect(inFlightSeries).toHaveLength(2);
    expect(inFlightSeries).toContain('other');
  });
});
