// Issue 15 point 6: Pluto's pool semantics travel with the job. The fleet transport marks its
// jobs `plutoPool`, and the worker runs them on its Pluto client: requests to a warm origin
// queue on its one keep-alive socket, one after another in start order (Pluto, reference §4
// and §9: "served one after another on its single keep-alive socket, in start order"), and a
// dont_reuse request goes out on a one-off `Connection: close` socket that is closed after it.
import { Scheduler, type PlutoRequestOptions } from '@courier/scheduler';
import { describe, expect, it } from 'vitest';
import { headScriptLine, headScriptSteps, headScriptTranscript, startHeadEcho } from '../fixtures/pluto-head-script.ts';
import { forThisTest } from '../fixtures/index.ts';
import { fleetHttp, origin } from './support/fleet-http.ts';
import { startFleet } from './support/fleet.ts';

describe('Pluto pool semantics in the worker', () => {
  it('serves four plain requests to a warm origin one after another on one keep-alive socket; dont_reuse is one-off', async () => {
    const f = await origin();
    // Room for all four at once in the worker: only the pool can serialise them.
    const fleet = await startFleet({ workers: 1, concurrency: 8 });
    const { http } = await fleetHttp(fleet);
    const s = new Scheduler();
    s.add(function* () {
      yield* http.request(`${f.url}/hello`);
    });
    await s.run();
    expect(f.connections).toBe(1);

    const done: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      s.add(function* () {
        const [body] = yield* http.request(`${f.url}/echo?${name}`);
        if (body !== null) done.push(name);
      });
    }
    await s.run();
    expect(done).toEqual(['a', 'b', 'c', 'd']);
    const four = f.requestLog.slice(1);
    expect(four.map((r) => r.path)).toEqual(['/echo?a', '/echo?b', '/echo?c', '/echo?d']);
    expect(new Set(four.map((r) => r.socketId)).size).toBe(1);
    expect(four.every((r) => r.headers['connection'] === 'keep-alive')).toBe(true);
    expect(f.maxInFlight).toBe(1);
    expect(f.connections).toBe(1);

    s.add(function* () {
      yield* http.request(`${f.url}/echo?fresh`, { dont_reuse: true });
    });
    await s.run();
    const fresh = f.requestLog.at(-1)!;
    expect(fresh.headers['connection']).toBe('close');
    expect(f.connections).toBe(2);
    // The one-off socket is closed after its request; the keep-alive one stays.
    await f.until(() => f.openConnections === 1);
  }, 180_000);

  it('hasconnection is false right after the server closed the socket, and true again after the next request', async () => {
    const f = await origin();
    f.route('/close', (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const fleet = await startFleet({ workers: 1 });
    const { http } = await fleetHttp(fleet);
    const seen: boolean[] = [];
    const s = new Scheduler();
    s.add(function* () {
      yield* http.request(`${f.url}/hello`);
      seen.push(http.hasconnection(f.url));
      yield* http.request(`${f.url}/close`);
      // Asked at once, before the worker's next heartbeat: the transport knows from the result.
      seen.push(http.hasconnection(f.url));
      yield* http.request(`${f.url}/hello`);
      seen.push(http.hasconnection(f.url));
    });
    await s.run();
    expect(seen).toEqual([true, false, true]);
    expect(f.requestLog.map((r) => r.headers['connection'])).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
  }, 180_000);

  it('gives the transcript the script gives in-process (libs/scheduler both-ways.spec.ts), with one worker', async () => {
    const f = await forThisTest(startHeadEcho());
    const fleet = await startFleet({ workers: 1 });
    const { http } = await fleetHttp(fleet);
    const out: string[] = [];
    const s = new Scheduler();
    s.add(function* () {
      for (const step of headScriptSteps) {
        if (step[0] === 'has') out.push(`has ${http.hasconnection(f.url)}`);
        else out.push(headScriptLine(yield* http.request(f.url + step[1], (step[2] ?? {}) as PlutoRequestOptions)));
      }
    });
    await s.run();
    expect(out).toEqual(headScriptTranscript);
  }, 180_000);
});
