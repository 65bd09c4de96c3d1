// Issue 15: the same script gives the same transcript however it is driven — `yield*` inside a
// scheduler coroutine, `await` outside one, and the blocking `@courier/scheduler/sync` form (in
// a child process, since it blocks its thread). The expected transcript is Pluto's, from the
// reference: hasconnection false before any request (§2), the head as Soup writes it (§1.3),
// the method verbatim (§1.2), a dont_reuse request beside a keep-alive socket on a new
// `Connection: close` socket (§4), the keep-alive socket still there afterwards.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRawFixture, type RawFixture } from '../../../../test/fixtures/index.ts';
import { createPlutoHttp } from './fleet/create-pluto-http.ts';
import { Scheduler } from './scheduler.ts';
import type { PlutoRequestOptions, PlutoResult } from './http/types.ts';

const run = promisify(execFile);

type Step = ['has'] | ['request', string, PlutoRequestOptions?];

const steps: Step[] = [['has'], ['request', '/a'], ['has'], ['request', '/b', { method: 'get' }], ['request', '/c', { dont_reuse: true }], ['has']];

const expected = ['has false', 'GET /a HTTP/1.1 | keep-alive', 'has true', 'get /b HTTP/1.1 | keep-alive', 'GET /c HTTP/1.1 | close', 'has true'];

/** A line of the transcript for a request: its request line and its Connection, as echoed. */
function line(result: PlutoResult): string {
  const body = result[0];
  if (body === null) return `failed ${result[1]}`;
  return `${body.split('\r\n')[0]} | ${/\nConnection: ([^\r]*)/.exec(body)?.[1]}`;
}

async function echoHeads(): Promise<RawFixture> {
  const f = await startRawFixture(async (socket, ctx) => {
    for (;;) {
      const req = await ctx.readRequest();
      const head = req.raw.subarray(0, req.raw.indexOf('\r\n\r\n') + 4);
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${head.length}\r\n\r\n`);
      socket.write(head);
    }
  });
  onTestFinished(() => f.close());
  return f;
}

describe('one script, every driver, one transcript', () => {
  it('yield* inside a coroutine', async () => {
    const f = await echoHeads();
    const h = createPlutoHttp();
    onTestFinished(() => h.client.destroy());
    const out: string[] = [];
    const s = new Scheduler();
    s.add(function* () {
      for (const step of steps) {
        if (step[0] === 'has') out.push(`has ${h.hasconnection(f.url)}`);
        else out.push(line(yield* h.request(f.url + step[1], step[2] ?? {})));
      }
    });
    await s.run();
    expect(out).toEqual(expected);
  });

  it('await outside a coroutine', async () => {
    const f = await echoHeads();
    const h = createPlutoHttp();
    onTestFinished(() => h.client.destroy());
    const out: string[] = [];
    for (const step of steps) {
      if (step[0] === 'has') out.push(`has ${h.hasconnection(f.url)}`);
      else out.push(line(await h.request(f.url + step[1], step[2] ?? {})));
    }
    expect(out).toEqual(expected);
  });

  it('@courier/scheduler/sync (blocking, in a child process)', async () => {
    const f = await echoHeads();
    const code = `
      import { requestSync, hasconnectionSync } from '@courier/scheduler/sync';
      const [url, steps] = [process.argv[1], JSON.parse(process.argv[2])];
      const results = steps.map((step) => (step[0] === 'has' ? hasconnectionSync(url) : requestSync(url + step[1], step[2] ?? {})));
      console.log(JSON.stringify(results));
    `;
    const { stdout } = await run(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', '--input-type=module', '-e', code, f.url, JSON.stringify(steps)], {
      cwd: import.meta.dirname,
      timeout: 60_000, // watchdog only
    });
    const results = JSON.parse(stdout) as Array<boolean | PlutoResult>;
    const out = results.map((r) => (typeof r === 'boolean' ? `has ${r}` : line(r)));
    expect(out).toEqual(expected);
  });
});
