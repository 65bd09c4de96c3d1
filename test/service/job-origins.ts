/**
 * The fleet suites' upstreams (single Redis in fleet.spec.ts, the cluster in
 * test/cluster/fleet-on-cluster.spec.ts): fixture origins whose `/job?key=…` answers after a short
 * latency, so requests overlap and the per-origin limit is really exercised, plus `/slow` and
 * `/hold` for a test to hold with `f.hold(path)`.
 */
import { forThisTest, startHttpFixture, type HttpFixture } from '../fixtures/index.ts';

export async function startJobOrigins(count: number): Promise<HttpFixture[]> {
  const fixtures = await Promise.all(Array.from({ length: count }, () => forThisTest(startHttpFixture())));
  for (const f of fixtures) {
    f.route('/job', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      }, 3);
    });
    for (const path of ['/slow', '/hold']) {
      f.route(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('released');
      });
    }
  }
  return fixtures;
}

/** Requests per idempotency key (the key is in the URL) that reached any of `fixtures`. */
export function keyCounts(fixtures: readonly HttpFixture[], path = '/job'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of fixtures) {
    for (const r of f.requestLog) {
      if (!r.path.startsWith(`${path}?`)) continue;
      counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
    }
  }
  return counts;
}
