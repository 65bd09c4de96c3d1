import diagnostics from 'node:diagnostics_channel';
import { createClient, type RequestEndMessage } from '@courier/origin';
import { expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

it('publishes courier:request:end once per request, with the final status or the error code', async () => {
  const f = await forThisTest(startHttpFixture());
  const c = createClient();
  onTestFinished(() => c.destroy());
  const seen: RequestEndMessage[] = [];
  const listener = (m: unknown) => seen.push(m as RequestEndMessage);
  diagnostics.subscribe('courier:request:end', listener);
  onTestFinished(() => {
    diagnostics.unsubscribe('courier:request:end', listener);
  });

  await (await c.request(`${f.url}/hello`)).text();
  await (await c.request(`${f.url}/redirect/302/2`)).text();
  await (await c.request(`${f.url}/status/404`)).text();
  await expect(c.request(`${f.url}/bytes/5000`, { maxResponseBytes: 10 })).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
  expect(seen.map((m) => [m.method, m.status, m.error])).toEqual([
    ['GET', 200, null],
    ['GET', 200, null],
    ['GET', 404, null],
    ['GET', null, 'BODY_TOO_LARGE'],
  ]);
  expect(seen.every((m) => m.origin === f.origin && m.durationMs >= 0)).toBe(true);
});
