/**
 * Issue 13 item 5, played as an attacker who reads what Courier keeps: `courier serve` (a real
 * child process, its pino output captured) on the in-memory driver and on a real Redis. Every
 * secret below starts with `s3cret`; after the flows none may show in an API answer, a dashboard
 * event frame, a log line or (on Redis) any key's value, while the upstreams still receive every
 * credential they were meant to.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
// The e2e specs drive the CLI's own launcher, as test/campaigns does the server's internals.
import type { JobRecord, RequestResult } from '@courier/queue';
import { dumpRedis } from '@courier/queue/testing';
import type { CampaignView } from '@courier/server';
import { spawnCourier } from '../harness/courier-process.ts';
import { startFirmwareOrigin, startHttpFixture, type HttpFixture } from '../fixtures/index.ts';
import { startRedis, until, type RedisHandle } from '../harness/index.ts';

/** Watchdog for a flow on a loaded 2-core machine. */
const WATCHDOG_MS = 60_000;
const SECRET = 's3cret';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Served {
  url: string;
  /** Every stdout and stderr line so far (pino's JSON lines, and anything else the process printed). */
  log(): string;
}

/** `courier serve` with `env`, its whole output kept from the first byte. */
async function serve(env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawnCourier(['serve'], env);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let url: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      const match = /courier listening on (http:\/\/\S+)/.exec(line);
      if (match && url === undefined) resolve((url = match[1]!));
    });
    void once(child, 'exit').then(([code]) => reject(new Error(`courier serve exited with ${String(code)}:\n${output}`)));
  });
  return { url: await listening, log: () => output };
}

/** Reads the dashboard's event stream into a string until the test ends. */
function readEventStream(base: string): () => string {
  const controller = new AbortController();
  let frames = '';
  void (async () => {
    const response = await fetch(`${base}/v1/dashboard/events`, { signal: controller.signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) frames += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch(() => {});
  onTestFinished(() => controller.abort());
  return () => frames;
}

/** An API call; `json` is the answer parsed as `T` (undefined when it is not JSON: `text` is what the checks read). */
async function call<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: T = undefined as T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    // Not JSON.
  }
  return { status: response.status, text, json };
}

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each(['memory', 'redis'] as const)('credentials never leak (%s driver)', (driver) => {
  it('campaign userinfo, sensitive headers, malformed URLs, ?remote= and redirect Locations stay out of answers, events, logs and Redis; upstreams still authenticate', async () => {
    const base = await mkdtemp(join(tmpdir(), 'courier-secrets-'));
    onTestFinished(() => rm(base, { recursive: true, force: true }));
    const fw = await startFirmwareOrigin(4096);
    const upstream: HttpFixture = await startHttpFixture();
    onTestFinished(async () => {
      await fw.origin.close();
      await upstream.close();
    });
    const prefix = `courier-secrets-${randomUUID()}`;
    const server = await serve({
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      COURIER_ALLOW_DESTINATIONS: 'loopback',
      COURIER_DOWNLOAD_ROOT: join(base, 'downloads'),
      COURIER_RESULTS_DIR: join(base, 'results'),
      COURIER_SENSITIVE_HEADERS: 'X-Custom-Secret',
      COURIER_TOKEN: '',
      REDIS_URL: driver === 'redis' ? redis.url : '',
      COURIER_QUEUE_PREFIX: prefix,
    });
    const events = readEventStream(server.url);
    const answers: string[] = [];
    const keep = <T extends { text: string }>(answer: T): T => {
      answers.push(answer.text);
      return answer;
    };

    // 1. A campaign whose firmware URL carries userinfo.
    const firmwareUrl = fw.firmware.url.replace('http://', `http://fwuser:${SECRET}-fw@`);
    const created = keep(await call<CampaignView>(server.url, 'POST', '/v1/campaigns', { firmware: { ...fw.firmware, url: firmwareUrl }, devices: ['d1', 'd2'], waves: [1] }));
    expect(created.status, created.text).toBe(201);
    expect(created.json.firmware.url).toBe(fw.firmware.url);
    const id = created.json.id as string;
    let campaign: CampaignView | undefined;
    await until(async () => {
      campaign = keep(await call<CampaignView>(server.url, 'GET', `/v1/campaigns/${id}`)).json;
      return campaign.state !== 'running' && campaign.counts.waiting === 0 && campaign.counts.active === 0;
    }, 'the campaign finished', WATCHDOG_MS);
    expect(campaign!.state, JSON.stringify(campaign)).toBe('completed');
    expect(campaign!.counts.completed).toBe(2);
    keep(await call(server.url, 'GET', '/v1/campaigns'));
    // The devices authenticated: the origin saw the credential as an authorization header, and never in the target.
    expect(fw.origin.requestLog).toHaveLength(2);
    for (const request of fw.origin.requestLog) {
      expect(request.headers.authorization).toBe(basic('fwuser', `${SECRET}-fw`));
      expect(request.path).not.toContain(SECRET);
    }

    // 2. Request jobs with X-Api-Key, X-Auth-Token and the operator's own sensitive header.
    const sensitive = { 'X-Api-Key': `${SECRET}-api`, 'X-Auth-Token': `${SECRET}-token`, 'X-Custom-Secret': `${SECRET}-custom`, 'X-Plain': 'visible' };
    const enqueued = keep(await call<{ ids: string[] }>(server.url, 'POST', '/v1/requests', { url: `${upstream.url}/hello`, headers: sensitive }));
    expect(enqueued.status, enqueued.text).toBe(202);
    const job = keep(await call<JobRecord>(server.url, 'GET', `/v1/requests/${enqueued.json.ids[0]}?wait=${WATCHDOG_MS}`));
    expect(job.json.state, job.text).toBe('completed');
    expect((job.json.input as { headers: unknown }).headers).toEqual(
      expect.arrayContaining([
        ['X-Api-Key', '[redacted]'],
        ['X-Auth-Token', '[redacted]'],
        ['X-Custom-Secret', '[redacted]'],
        ['X-Plain', 'visible'],
      ]),
    );
    const sent = upstream.requestLog.find((r) => r.path === '/hello')!;
    expect(sent.headers['x-api-key']).toBe(`${SECRET}-api`);
    expect(sent.headers['x-auth-token']).toBe(`${SECRET}-token`);
    expect(sent.headers['x-custom-secret']).toBe(`${SECRET}-custom`);

    // 3. A redirect whose Location carries userinfo: the stored chain and final URL drop it.
    upstream.route('/moved', (_req, res) => {
      res.writeHead(302, { location: `http://ruser:${SECRET}-redirect@127.0.0.1:${upstream.port}/hello`, 'content-length': 0 });
      res.end();
    });
    const redirected = keep(await call<{ ids: string[] }>(server.url, 'POST', '/v1/requests', { url: `${upstream.url}/moved` }));
    expect(redirected.status, redirected.text).toBe(202);
    const hop = keep(await call<JobRecord>(server.url, 'GET', `/v1/requests/${redirected.json.ids[0]}?wait=${WATCHDOG_MS}`));
    expect(hop.json.state, hop.text).toBe('completed');
    const result = hop.json.result as RequestResult;
    expect(result.redirects).toHaveLength(1);
    expect(result.redirects[0]!.location).toBe(`http://127.0.0.1:${upstream.port}/hello`);

    // 4. A malformed URL with userinfo, and ?remote= with userinfo (answers go to the caller who sent them: only logs are checked).
    const malformed = await call(server.url, 'POST', '/v1/requests', { url: `http://user:${SECRET}-malformed@exa mple.com/` });
    expect(malformed.status).toBe(400);
    const remote = keep(await call(server.url, 'GET', `/v1/connections?remote=${encodeURIComponent(`http://u:${SECRET}-remote@127.0.0.1:9/`)}`));
    expect(remote.status, remote.text).toBe(200);
    const rawRemote = keep(await call(server.url, 'GET', `/v1/connections?remote=http://u:${SECRET}-raw@127.0.0.1:9/`));
    expect(rawRemote.status, rawRemote.text).toBe(200);

    // The dashboard has shown the campaign (its poll runs on its own period) before the stream is judged.
    await until(() => events().includes(id), 'the dashboard stream shows the campaign', WATCHDOG_MS);
    // The log saw the flows (so its silence about the secrets means something).
    await until(() => server.log().includes('/v1/connections?remote='), 'the request log line of ?remote=', WATCHDOG_MS);
    expect(server.log()).toContain('malformed URL');

    expect(answers.join('\n')).not.toContain(SECRET);
    expect(events()).not.toContain(SECRET);
    expect(server.log()).not.toContain(SECRET);
    if (driver === 'redis') {
      const credential = basic('fwuser', `${SECRET}-fw`).slice('Basic '.length);
      // The campaign's credential slot goes when it settles, the jobs' secrets when they finish.
      let dump = '';
      await until(
        async () => {
          const conn = new Redis(redis.url);
          try {
            dump = await dumpRedis(conn);
          } finally {
            conn.disconnect();
          }
          return !dump.includes(credential) && !dump.includes(SECRET);
        },
        'no Redis value holding a secret',
        WATCHDOG_MS,
      );
      // The dump did read the jobs and the campaign.
      expect(dump).toContain(`${prefix}:jobs:campaigns:${id}`);
    }
  });
});
