// Issue 15: the same script gives the same transcript however it is driven — `yield*` inside a
// scheduler coroutine, `await` outside one, and the blocking `@courier/scheduler/sync` form (in
// a child process, since it blocks its thread); test/fleet/pluto-pool.spec.ts runs it through
// the fleet with one worker. The script and Pluto's transcript: test/fixtures/pluto-head-script.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  headScriptLine as line,
  headScriptSteps as steps,
  headScriptTranscript as expected,
  startHeadEcho,
} from '../../../../test/fixtures/pluto-head-script.ts';
import { forThisTest, type RawFixture } from '../../../../test/fixtures/index.ts';
import { createPlutoHttp } from './fleet/create-pluto-http.ts';
import { Scheduler } from './scheduler.ts';
import type { PlutoResult } from './http/types.ts';

const run = promisify(execFile);

const echoHeads = (): Promise<RawFixture> => forThisTest(startHeadEcho());

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
