/**
 * Memory exhaustion by queue flood, played against the real `courier serve` process: delayed jobs
 * with ~1 MB bodies, sent until the server says no. Before the depth bound, `courier serve` set no
 * limit, every job was accepted and the in-memory driver grew until the process died of heap
 * exhaustion (every job lost with it); on Redis the same flood pushes Redis into `maxmemory`.
 * Now the flood meets `429 QUEUE_FULL` with `Retry-After`, the server stays up with its memory
 * bounded, the jobs accepted before stay intact, and on Redis the room comes back once jobs
 * finish or are cancelled (the ledger does not leak).
 */
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveCourier, type ServedCourier } from '../harness/courier-process.ts';
import { depthLedgerKeys } from '@courier/queue';
import { useTestRedis } from '@courier/queue/testing';
import { startHttpFixture } from '../fixtures/index.ts';
import { serverEnv, until } from '../harness/index.ts';

const MAX_JOBS = 200;
const MAX_BYTES = 8 * 1024 * 1024;
/** A body just under the API's 1 MiB per-job cap. */
const BODY = 'f'.repeat(1_000_000);
/** Bounded flood: more than the byte bound could ever hold, and then some. */
const FLOOD_REQUESTS = 60;
/** Requests still sent after the first 429: the bound must hold under continued pressure. */
const AFTER_FULL = 20;
/** Generous: the byte bound plus Node, Fastify, tsx and the worker's own heap. */
const RSS_BOUND_BYTES = MAX_BYTES + 300 * 1024 * 1024;

const redis = useTestRedis();

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return serverEnv({ COURIER_MAX_QUEUED_JOBS: String(MAX_JOBS), COURIER_MAX_QUEUED_BYTES: String(MAX_BYTES), ...extra });
}

interface Flood {
  accepted: string[];
  refusals: Array<{ status: number; retryAfter: string | null; code: unknown }>;
}

/** Posts delayed ~1 MB jobs one by one until `AFTER_FULL` were refused, or `FLOOD_REQUESTS` were sent. */
async function flood(server: ServedCourier): Promise<Flood> {
  const result: Flood = { accepted: [], refusals: [] };
  for (let i = 0; i < FLOOD_REQUESTS && result.refusals.length < AFTER_FULL; i += 1) {
    const response = await fetch(`${server.url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:9/flood/${i}`, method: 'POST', body: BODY, delayMs: 3_600_000 }),
    });
    const answer = (await response.json()) as { ids?: string[]; error?: { code: unknown } };
    if (response.status === 202) result.accepted.push(answer.ids![0]!);
    else result.refusals.push({ status: response.status, retryAfter: response.headers.get('retry-after'), code: answer.error?.code });
  }
  return result;
}

/** The server process's resident set, from /proc. */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

async function getJob(server: ServedCourier, id: string, waitMs = 0): Promise<{ state: string; input: { body?: string } }> {
  const response = await fetch(`${server.url}/v1/requests/${id}${waitMs > 0 ? `?wait=${waitMs}` : ''}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { state: string; input: { body?: string } };
}

function expectRefusedByBytes(outcome: Flood): void {
  // The byte bound (8 MiB) stops ~1 MB jobs long before the job bound (200) would.
  expect(outcome.accepted.length).toBeGreaterThan(0);
  expect(outcome.accepted.length).toBeLessThanOrEqual(Math.floor(MAX_BYTES / BODY.length));
  expect(outcome.refusals.length).toBe(AFTER_FULL);
  for (const refusal of outcome.refusals) {
    expect(refusal).toMatchObject({ status: 429, code: 'QUEUE_FULL' });
    expect(Number(refusal.retryAfter)).toBeGreaterThan(0);
  }
}

describe('queue flood (security)', () => {
  it('in-memory: a flood of delayed 1 MB jobs meets 429 QUEUE_FULL; the server stays up, its jobs readable, its RSS bounded', async () => {
    const server = await serveCourier(env({}));
    const outcome = await flood(server);
    expectRefusedByBytes(outcome);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const first = await getJob(server, outcome.accepted[0]!);
    expect(first.state).toBe('delayed');
    expect(first.input.body).toHaveLength(BODY.length);
    expect(await rssBytes(server.child.pid!)).toBeLessThan(RSS_BOUND_BYTES);
    expect(server.child.exitCode).toBeNull();
  });

  it('Redis: the bound is shared in Redis; accepted jobs stay intact and the room comes back once jobs finish or are cancelled', async () => {
    const prefix = redis.prefix();
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    const server = await serveCourier(env({ REDIS_URL: redis.url, COURIER_QUEUE_PREFIX: prefix, COURIER_ALLOW_DESTINATIONS: 'loopback' }));
    const first = await flood(server);
    expectRefusedByBytes(first);
    for (const id of first.accepted) {
      const job = await getJob(server, id);
      expect(job.state).toBe('delayed');
      expect(job.input.body).toHaveLength(BODY.length);
    }

    // Cancelling gives room back at once: a job that runs to completion fits again.
    expect((await fetch(`${server.url}/v1/requests/${first.accepted[0]}`, { method: 'DELETE' })).status).toBe(200);
    const run = await fetch(`${server.url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${origin.url}/hello`, method: 'POST', body: BODY }),
    });
    expect(run.status).toBe(202);
    const [ranId] = ((await run.json()) as { ids: string[] }).ids;
    expect((await getJob(server, ranId!, 30_000)).state).toBe('completed');
    for (const id of first.accepted.slice(1)) {
      expect((await fetch(`${server.url}/v1/requests/${id}`, { method: 'DELETE' })).status).toBe(200);
    }

    // Nothing left holds room: the ledger is empty, in jobs and in bytes (no leak).
    const conn = new Redis(redis.url);
    onTestFinished(() => conn.disconnect());
    const keys = depthLedgerKeys(prefix, 'jobs');
    await until(async () => (await conn.hlen(keys.ledger)) === 0 && Number((await conn.get(keys.bytes)) ?? 0) === 0, 'the depth ledger to empty', 30_000);

    const second = await flood(server);
    expectRefusedByBytes(second);
    expect(second.accepted.length).toBe(first.accepted.length);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
