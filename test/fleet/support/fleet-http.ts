import { createFleetTransport, createPlutoHttp, type FleetTransport, type FleetTransportOptions, type PlutoHttp } from '@courier/scheduler';
import { onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../../fixtures/index.ts';
import type { Fleet } from './fleet.ts';

/** A Pluto `http` over the fleet transport; closed when the test ends. */
export async function fleetHttp(fleet: Fleet, options: Partial<FleetTransportOptions> = {}): Promise<{ http: PlutoHttp; transport: FleetTransport }> {
  const transport = createFleetTransport({ redisUrl: fleet.redis.url, resultsDir: fleet.resultsDir, ...options });
  onTestFinished(() => transport.close());
  await transport.ready();
  return { http: createPlutoHttp({ transport }), transport };
}

/** A fixture origin with a `/held` route (hold it with `f.hold('/held')`); closed when the test ends. */
export async function origin(): Promise<HttpFixture> {
  const fixture = await startHttpFixture({ keepAliveTimeout: 60_000 });
  onTestFinished(() => fixture.close());
  fixture.route('/held', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 4 });
    res.end('held');
  });
  return fixture;
}
