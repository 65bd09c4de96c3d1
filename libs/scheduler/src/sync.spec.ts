// The blocking form. The calling thread sleeps in Atomics.wait, so the fixture origin cannot
// live on that thread: each test runs a small script in a child process (as a user's script
// that cannot await would run) against a fixture in this process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, type HttpFixture } from '../../../test/fixtures/index.ts';
import { createSyncHttp } from './sync.ts';

const run = promisify(execFile);

const fixture = (options?: Parameters<typeof startHttpFixture>[0]): Promise<HttpFixture> => forThisTest(startHttpFixture(options));

/** Runs `code` (an ES module) from the sources, as `npm start` runs the apps; returns its stdout as JSON. */
async function script(code: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', '--input-type=module', '-e', code, ...args], {
    cwd: import.meta.dirname,
    env: { ...process.env, ...env },
    timeout: 60_000, // watchdog only
  });
  return JSON.parse(stdout);
}

describe('@courier/scheduler/sync', () => {
  it('blocks in this very thread for an answer that needs no server here: a refused connect', async () => {
    const sync = createSyncHttp();
    onTestFinished(() => sync.close());
    expect(sync.request('http://127.0.0.1:1/')).toEqual([null, 'TCP Handshake Failed']);
    expect(sync.hasconnection('http://127.0.0.1:1')).toBe(false);
    expect(() => sync.request({ method: 'GET' } as never)).toThrow("Table is missing 'url' option");
  });

  it('returns the tuple before the script goes on, reuses its keep-alive socket, and throws bad input in the caller', async () => {
    const f = await fixture();
    const out = await script(
      `
      import { requestSync, hasconnectionSync } from '@courier/scheduler/sync';
      import { createPlutoHttp } from '@courier/scheduler';
      const url = process.argv[1];
      let turned = false;
      setImmediate(() => { turned = true; });
      const first = requestSync(url + '/hello');
      const second = requestSync({ url: url + '/echo', body: 'sync body' });
      const mainThreadHttp = createPlutoHttp();
      let badInput = null;
      try { requestSync(url + '/a\\r\\nX: 1'); } catch (e) { badInput = [e.code, e.message]; }
      console.log(JSON.stringify({
        turned, first, second: [JSON.parse(second[0]), second[1]],
        worker: hasconnectionSync(url), mainThread: mainThreadHttp.hasconnection(url), badInput,
        refused: requestSync('http://127.0.0.1:1/'),
      }));
      `,
      [f.url],
    );
    expect(out).toMatchObject({
      turned: false, // no event-loop turn happened while the calls blocked
      first: ['hello world', 200, { 'Content-Type': 'text/plain; charset=utf-8' }, 'OK'],
      second: [{ method: 'POST', body: 'sync body' }, 200],
      worker: true,
      mainThread: false, // the worker's connections are its own
      badInput: ['BAD_URL', "URL can't contain CR or LF"],
      refused: [null, 'TCP Handshake Failed'],
    });
    expect(f.connections).toBe(1);
    expect(f.requests).toBe(2);
  });

  it('trusts the CA named by COURIER_CA_FILE', async () => {
    const f = await fixture({ tls: true });
    const dir = await mkdtemp(join(tmpdir(), 'courier-sync-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, f.ca!);
    const code = `
      import { requestSync } from '@courier/scheduler/sync';
      console.log(JSON.stringify(requestSync(process.argv[1] + '/hello').slice(0, 2)));
    `;
    expect(await script(code, [f.url], { COURIER_CA_FILE: caFile })).toEqual(['hello world', 200]);
    expect(await script(code, [f.url], { COURIER_CA_FILE: '' })).toEqual([null, 'TLS protocol error']);
  });
});
