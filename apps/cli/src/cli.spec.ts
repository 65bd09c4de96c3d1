// The `courier` command end to end, as a user runs it: `serve` (what `npm start` runs) on a free
// port, then `enqueue --wait` and `status` as separate processes talking to it over HTTP.
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startHttpFixture } from '../../../test/fixtures/index.ts';
import { startRedis } from '../../../test/harness/index.ts';
import { runCourier, serveCourier, spawnCourier, type CourierRun, type ServedCourier } from '../../../test/harness/courier-process.ts';

/** A clean environment: no Redis, no token, no server from the caller's shell. */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const name of ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'COURIER_QUEUE_SHARDS', 'COURIER_TOKEN', 'COURIER_SERVER', 'PORT', 'HOST', 'COURIER_ALLOW_DESTINATIONS', 'COURIER_QUEUE_PREFIX']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** The destination policy refuses loopback by default; these tests talk to their own loopback origins. */
const allowLoopback = { COURIER_ALLOW_DESTINATIONS: 'loopback' };

/** Starts `courier serve` on PORT=0 and resolves with the URL it prints once it listens. */
function serve(env: Record<string, string> = {}, args: string[] = []): Promise<ServedCourier> {
  return serveCourier(baseEnv({ PORT: '0', HOST: '127.0.0.1', ...env }), args);
}

function run(args: string[], env: Record<string, string> = {}): Promise<CourierRun> {
  return runCourier(args, baseEnv(env));
}

// Each command is a fresh Node process compiling TypeScript with tsx (a second or more on a busy
// 2-core machine): a generous watchdog, never a timing claim.
describe('courier (the CLI)', { timeout: 120_000 }, () => {
  it('serves without Redis, runs `enqueue --wait` to a loopback origin, and reads the job back with `status`', async () => {
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    const server = await serve(allowLoopback);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', queue: 'memory' });

    const enqueued = await run(['enqueue', `${origin.url}/echo`, '-X', 'PUT', '-H', 'X-Trace: cli-1', '-d', 'hello from the cli', '--key', 'cli-test-1', '--wait', '--server', server.url]);
    expect(enqueued.stderr).toBe('');
    expect(enqueued.code).toBe(0);
    const [id, state, status] = enqueued.stdout.trim().split(/\s+/);
    expect(state).toBe('completed');
    expect(status).toBe('200');
    expect(origin.requestLog).toHaveLength(1);
    expect(origin.requestLog[0]).toMatchObject({ method: 'PUT', path: '/echo' });
    expect(origin.requestLog[0]?.headers['x-trace']).toBe('cli-1');
    expect(origin.requestLog[0]?.body.toString()).toBe('hello from the cli');

    // COURIER_SERVER works as well as --server.
    const status1 = await run(['status', id!], { COURIER_SERVER: server.url });
    expect(status1.code).toBe(0);
    expect(status1.stdout).toMatch(new RegExp(`^id: +${id}$`, 'm'));
    expect(status1.stdout).toMatch(/^state: +completed$/m);
    expect(status1.stdout).toMatch(/^status: +200 OK$/m);
    expect(status1.stdout).toContain('hello from the cli');

    const json = await run(['status', id!, '--json', '--server', server.url]);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, state: 'completed', result: { status: 200 } });

    // The same key runs once.
    const again = await run(['enqueue', `${origin.url}/echo`, '-X', 'PUT', '-H', 'X-Trace: cli-1', '-d', 'hello from the cli', '--key', 'cli-test-1', '--server', server.url]);
    expect(again.stdout.trim()).toBe(`${id} (duplicate)`);
    expect(origin.requests).toBe(1);

    // SIGTERM: a graceful exit with status 0.
    server.child.kill('SIGTERM');
    const [code] = (await once(server.child, 'exit')) as [number | null];
    expect(code, server.stderr()).toBe(0);
  });

  it('refuses loopback destinations by default (the destination policy of service mode)', async () => {
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    const server = await serve();
    const result = await run(['enqueue', `${origin.url}/hello`, '--wait', '--server', server.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\sfailed\s+BLOCKED_DESTINATION: /);
    expect(origin.connections).toBe(0);
  });

  it('runs on Redis: `serve --no-worker` plus a separate `courier worker`, fleet view and bull-board included', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    // A prefix of its own, so a shared REDIS_URL sees no other test's jobs.
    const env = { REDIS_URL: redis.url, COURIER_QUEUE_PREFIX: `courier-test-${randomUUID()}`, COURIER_TOKEN: 'cli-redis-token', ...allowLoopback };
    const server = await serve(env, ['--no-worker']);
    const aliveFile = join(await mkdtemp(join(tmpdir(), 'courier-cli-')), 'alive');
    const worker = spawnCourier(['worker', '--alive-file', aliveFile], baseEnv(env));
    let workerErr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (workerErr += chunk.toString()));
    for await (const line of createInterface({ input: worker.stdout! })) if (line.includes('taking jobs')) break;
    expect((await stat(aliveFile)).isFile()).toBe(true);

    const enqueued = await run(['enqueue', `${origin.url}/hello`, `${origin.url}/bytes/4`, '--wait', '--server', server.url], env);
    expect(enqueued.code, enqueued.stderr + workerErr).toBe(0);
    expect(enqueued.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1])).toEqual(['completed', 'completed']);

    const auth = { authorization: `Bearer ${env.COURIER_TOKEN}` };
    type Origins = { scope: string; origins: Array<{ origin: string; workerId: string }> };
    const fleetOrigins = async () => (await (await fetch(`${server.url}/v1/origins`, { headers: auth })).json()) as Origins;
    expect((await fleetOrigins()).scope).toBe('fleet');
    // Workers publish their actors on a heartbeat (1 s): the origin shows up at the next one.
    await expect
      .poll(async () => (await fleetOrigins()).origins.some((o) => o.origin === origin.origin && typeof o.workerId === 'string'), { interval: 200, timeout: 20_000 })
      .toBe(true);
    const board = await fetch(`${server.url}/admin/queues`, { headers: auth });
    expect(board.status).toBe(200);
    expect(board.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(`${server.url}/admin/queues`)).status).toBe(401);

    worker.kill('SIGTERM');
    server.child.kill('SIGTERM');
    const [[workerCode], [serverCode]] = (await Promise.all([once(worker, 'exit'), once(server.child, 'exit')])) as [[number | null], [number | null]];
    expect(workerCode, workerErr).toBe(0);
    expect(serverCode, server.stderr()).toBe(0);
  });

  it('takes the token from COURIER_TOKEN, and reports API errors with their code and exit status (exit-codes.ts)', async () => {
    const server = await serve({ COURIER_TOKEN: 'cli-token-123456' });
    const refused = await run(['status', 'some-id', '--server', server.url]);
    // A missing token is configuration: exit 2, and the way out a CLI user has (not a header).
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^courier: UNAUTHORIZED: .*; set COURIER_TOKEN to the server's token$/m);
    const missing = await run(['status', 'some-id', '--server', server.url], { COURIER_TOKEN: 'cli-token-123456' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^courier: NOT_FOUND: no job some-id/m);
    const bad = await run(['enqueue', 'ftp://127.0.0.1/x', '--server', server.url], { COURIER_TOKEN: 'cli-token-123456' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^courier: UNSUPPORTED_SCHEME: url: /m);
    // enqueue's BAD_URL is a bad command line, as fetch's is: exit 2 in both.
    const badUrl = await run(['enqueue', 'http://', '--server', server.url], { COURIER_TOKEN: 'cli-token-123456' });
    expect(badUrl.code, badUrl.stderr).toBe(2);
    expect(badUrl.stderr).toMatch(/^courier: BAD_URL: /m);
  });

  it('stops at start on a bad configuration, naming the variable (exit 2)', async () => {
    const result = await run(['serve'], { PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^courier: bad configuration: PORT: must be an integer \(got "eighty"\)$/m);
    // One variable, one text: `serve` and `worker` word the same mistake the same way.
    const [served, worker] = await Promise.all([run(['serve'], { COURIER_CONCURRENCY: 'abc' }), run(['worker'], { COURIER_CONCURRENCY: 'abc', REDIS_URL: 'redis://127.0.0.1:9' })]);
    expect([served.code, worker.code]).toEqual([2, 2]);
    expect(served.stderr.trim()).toBe('courier: bad configuration: COURIER_CONCURRENCY: must be an integer (got "abc")');
    expect(worker.stderr.trim()).toBe(served.stderr.trim());
    // The cluster settings, in both: a seed without a port, a shard count of 0.
    const [badSeeds, badShards] = await Promise.all([run(['worker'], { REDIS_CLUSTER_NODES: 'redis-1' }), run(['serve'], { COURIER_QUEUE_SHARDS: '0' })]);
    expect([badSeeds.code, badShards.code]).toEqual([2, 2]);
    expect(badSeeds.stderr.trim()).toBe('courier: bad configuration: REDIS_CLUSTER_NODES: "redis-1" is not host:port (expected host:port,host:port,…) (got "redis-1")');
    expect(badShards.stderr.trim()).toBe('courier: bad configuration: COURIER_QUEUE_SHARDS: must be ≥ 1 (got "0")');
    // `courier run` reads them too before it opens the queue.
    const script = await run(['run', 'package.json'], { REDIS_CLUSTER_NODES: 'redis-1' });
    expect(script.code).toBe(2);
    expect(script.stderr.trim()).toBe(badSeeds.stderr.trim());
  });

  it('says when no server answers (exit 3), and refuses bad flags with exit 2', async () => {
    const unreachable = await run(['status', 'x', '--server', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/can't reach http:\/\/127\.0\.0\.1:9/);
    const badHeader = await run(['enqueue', 'http://127.0.0.1:9/', '-H', 'no-colon-here']);
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toMatch(/-H "no-colon-here": expected "Name: value"/);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
  });
});
