// The same Pluto script, run by `courier run` once in-process and once against a fleet of 3
// worker processes, prints the same transcript: tuples, reason strings, hasconnection samples.
import { fileURLToPath } from 'node:url';
import { createPlutoHttp, createFleetTransport, type PlutoResult } from '@courier/scheduler';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { freePort } from '../harness/index.ts';
import { runCourier } from './support/cli-child.ts';
import { startFleet } from './support/fleet.ts';

const script = fileURLToPath(new URL('./scripts/transcript.ts', import.meta.url));

async function origin(): Promise<HttpFixture> {
  // A long server keep-alive: the sockets the script watches must not time out mid-run.
  const fixture = await startHttpFixture({ keepAliveTimeout: 60_000 });
  onTestFinished(() => fixture.close());
  // The request as the server read it: header names in their case and order, and the body.
  fixture.route('/raw', (req, res, ctx) => {
    const body = JSON.stringify({ method: req.method, rawHeaders: req.rawHeaders, body: ctx.body.toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return fixture;
}

function withoutDate(result: PlutoResult): PlutoResult {
  if (result[0] === null) return result;
  const headers = { ...result[2] };
  delete headers['Date'];
  return [result[0], result[1], headers, result[3]];
}

describe('one script, two transports', () => {
  it('prints the same transcript in-process and through the fleet', async () => {
    const main = await origin();
    const other = await origin();
    const env = { ORIGIN: main.url, OTHER: other.url, REFUSED: `http://127.0.0.1:${await freePort()}` };
    const fleet = await startFleet({ workers: 3 });

    const local = await runCourier(['run', script, '--local'], env);
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);
    const requestsInProcess = main.requests + other.requests;

    const remote = await runCourier(['run', script, '--redis', fleet.redis.url], env);
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe(local.stdout);

    // The transcript says what it should (so "the same" is not "the same nothing").
    const lines = local.stdout.trim().split('\n');
    expect(lines).toContain('hasconnection at start: origin=false other=false refused=false');
    expect(lines).toContain('hasconnection after /hello: origin=true other=false refused=false');
    expect(lines).toContain('GET /status/404: 404 Not Found');
    expect(lines).toContain('GET refused: nil, TCP Handshake Failed');
    expect(lines).toContain('hasconnection after the one-off: origin=true other=false refused=false');
    expect(lines).toContain('bad scheme: nil, DNS Query Yielded No Results');
    expect(lines).toContain('hasconnection after closeconnections: origin=false other=false refused=false');
    expect(lines).toContain('hasconnection at the end: origin=true other=false refused=false');
    expect(lines.at(-1)).toBe('transitions of hasconnection(origin): false → true → false → true');
    const rawLine = lines.find((l) => l.startsWith('POST /raw: 200 OK'))!;
    const raw = JSON.parse(JSON.parse(rawLine.slice(rawLine.lastIndexOf('} ') + 2)) as string) as { method: string; rawHeaders: string[]; body: string };
    expect(raw.method).toBe('POST');
    expect(raw.body).toBe('payload');
    // Pluto's head, in order and case (the workers run the job under Pluto's pool).
    expect(raw.rawHeaders.join('|')).toMatch(
      /^Host\|127\.0\.0\.1:\d+\|User-Agent\|Mozilla\/5\.0 \(compatible; calamity-inc\/Soup\)\|Connection\|(keep-alive|close)\|Accept-Encoding\|deflate, gzip\|X-Custom\|42\|Accept\|text\/plain\|Content-Length\|7$/,
    );

    // And the fleet really ran it: the origins saw every request again, sent by the workers.
    expect(main.requests + other.requests).toBe(2 * requestsInProcess);
    const counts = await fleet.queue.counts();
    expect(counts.completed + counts.failed).toBe(requestsInProcess + 1); // + the refused one, which never reached an origin
  }, 300_000);

  it('gives a 4xx answer its body and headers through the fleet, as in-process', async () => {
    const main = await origin();
    const fleet = await startFleet({ workers: 3 });
    const local = createPlutoHttp();
    onTestFinished(() => local.transport.close());
    const transport = createFleetTransport({ redisUrl: fleet.redis.url });
    onTestFinished(() => transport.close());
    const remote = createPlutoHttp({ transport });
    for (const path of ['/status/404', '/status/503']) {
      const expected = withoutDate(await local.request(`${main.url}${path}`));
      expect(expected[1]).toBe(Number(path.slice(-3)));
      expect(withoutDate(await remote.request(`${main.url}${path}`))).toEqual(expected);
    }
  }, 300_000);
});
