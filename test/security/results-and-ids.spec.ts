// Two holes of issue 13 ("also found"), played against the real app: a symlink planted as a
// job's `<id>.body` in the results directory, and, on a real Redis, job ids that name BullMQ's
// own keys (`events`, `completed`…), which answered 503 QUEUE_UNAVAILABLE (WRONGTYPE) instead of 404.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRecord } from '@courier/queue';
import { queueDefaults } from '@courier/queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTestApp, json, startOrigin } from '@courier/server/testing';
import { redisCommand, startRedis } from '../harness/index.ts';

interface ErrorAnswer {
  error: { code: string; message: string };
}

describe('a link planted as <id>.body in the results directory', () => {
  it('is not followed: the API answers BAD_PATH and never the target’s bytes; a directory there too', async () => {
    const secretDir = await mkdtemp(join(tmpdir(), 'courier-secret-'));
    onTestFinished(() => rm(secretDir, { recursive: true, force: true }));
    const secret = 'TOP-SECRET-0123456789-not-a-body';
    const secretFile = join(secretDir, 'secret.txt');
    await writeFile(secretFile, secret);

    const { app, resultsDir } = await buildTestApp({ inlineBodyBytes: 16 });
    const origin = await startOrigin();
    const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/bytes/5000` } }));
    const id = ids[0]!;
    const record = json<JobRecord>(await app.inject(`/v1/requests/${id}?wait=10000`));
    expect(record.state).toBe('completed');
    const bodyFile = record.result?.kind === 'request' ? record.result.bodyFile : undefined;
    expect(bodyFile).toBe(`${id}.body`);
    // The genuine file is served (so what follows is refused for the link, not for the route).
    expect((await app.inject(`/v1/requests/${id}/body`)).rawPayload.length).toBe(5000);

    await rm(join(resultsDir, bodyFile!));
    await symlink(secretFile, join(resultsDir, bodyFile!));
    for (const url of [`/v1/requests/${id}/body`, `/v1/requests/${id}/body?inline=1`]) {
      const answer = await app.inject(url);
      expect(answer.statusCode, url).toBe(400);
      expect(json<ErrorAnswer>(answer).error.code).toBe('BAD_PATH');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.headers['content-disposition']).toBeUndefined();
      expect(answer.body).not.toContain(secret);
    }

    await rm(join(resultsDir, bodyFile!));
    await mkdir(join(resultsDir, bodyFile!));
    const directory = await app.inject(`/v1/requests/${id}/body`);
    expect(directory.statusCode).toBe(400);
    expect(json<ErrorAnswer>(directory).error.code).toBe('BAD_PATH');

    await rm(join(resultsDir, bodyFile!), { recursive: true });
    const gone = await app.inject(`/v1/requests/${id}/body`);
    expect(gone.statusCode).toBe(404);
    expect(json<ErrorAnswer>(gone).error.code).toBe('NOT_FOUND');
  });
});

describe('a link planted at the name the worker spills a body to', () => {
  it('is not written through: the job fails with DISK_ERROR and the link’s target is untouched', async () => {
    const victimDir = await mkdtemp(join(tmpdir(), 'courier-victim-'));
    onTestFinished(() => rm(victimDir, { recursive: true, force: true }));
    const victim = join(victimDir, 'victim.txt');
    await writeFile(victim, 'precious');

    const { app, resultsDir } = await buildTestApp({ inlineBodyBytes: 16 });
    const origin = await startOrigin();
    const held = origin.hold('/bytes/5000');
    const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/bytes/5000`, attempts: 1 } }));
    const id = ids[0]!;
    await held.waitForArrivals(1);
    // The worker runs in this process: its part file is `<id>.body.<pid>.part`.
    await symlink(victim, join(resultsDir, `${id}.body.${process.pid}.part`));
    held.release();

    const record = json<JobRecord>(await app.inject(`/v1/requests/${id}?wait=10000`));
    expect(record).toMatchObject({ state: 'failed', error: { code: 'DISK_ERROR' } });
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });
});

/** BullMQ's own key names beside `<prefix>:<queue>:<jobId>` (job hashes share that key space). */
const reservedNames = ['events', 'completed', 'wait', 'meta', 'id', 'delayed', 'failed', 'active', 'paused', 'marker', 'stalled-check'];

// Real Redis on a busy 2-core machine: a watchdog, not a bound.
describe('on Redis, ids that name BullMQ keys', { timeout: 60_000 }, () => {
  it('answer 404 NOT_FOUND on every job route, not 503 QUEUE_UNAVAILABLE', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const { app, worker } = await buildTestApp({ redisUrl: redis.url });
    const origin = await startOrigin();

    // Make BullMQ's keys exist with their own types: a completed job (completed, events, meta),
    // then, with the worker gone, a waiting one (wait), and the counter BullMQ's own ids use (id).
    const done = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello` } })).ids[0]!;
    expect(json<JobRecord>(await app.inject(`/v1/requests/${done}?wait=20000`)).state).toBe('completed');
    await worker!.close(1_000);
    expect((await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin.url}/hello` } })).statusCode).toBe(202);
    const metaKeys = String(await redisCommand(redis.url, 'EVAL', "return table.concat(redis.call('KEYS', ARGV[1]), ',')", '0', `*:${queueDefaults.queueName}:meta`));
    const queueKey = metaKeys.slice(0, -':meta'.length);
    expect(queueKey).toMatch(new RegExp(`^courier-test-[^,]+:${queueDefaults.queueName}$`));
    await redisCommand(redis.url, 'INCR', `${queueKey}:id`);
    const typeOf = async (name: string) => redisCommand(redis.url, 'TYPE', `${queueKey}:${name}`);
    expect([await typeOf('events'), await typeOf('completed'), await typeOf('wait'), await typeOf('meta'), await typeOf('id')]).toEqual([
      'stream',
      'zset',
      'list',
      'hash',
      'string',
    ]);

    for (const name of reservedNames) {
      for (const [method, url] of [
        ['GET', `/v1/requests/${name}`],
        ['GET', `/v1/requests/${name}?wait=100`],
        ['DELETE', `/v1/requests/${name}`],
        ['GET', `/v1/requests/${name}/body`],
        ['GET', `/v1/requests/${name}/events`],
        ['POST', `/v1/requests/${name}/retry`],
      ] as const) {
        const answer = await app.inject({ method, url });
        expect(answer.statusCode, `${method} ${url}: ${answer.body}`).toBe(404);
        expect(json<ErrorAnswer>(answer).error.code).toBe('NOT_FOUND');
      }
    }
    // A key BullMQ might add in a later version, of another type than a job hash: still 404 (WRONGTYPE is "no such job").
    await redisCommand(redis.url, 'RPUSH', `${queueKey}:future-list`, 'x');
    for (const method of ['GET', 'DELETE'] as const) {
      const answer = await app.inject({ method, url: '/v1/requests/future-list' });
      expect(answer.statusCode, `${method}: ${answer.body}`).toBe(404);
    }
    // Nothing was removed or changed by those calls: BullMQ's keys are intact.
    expect(await typeOf('events')).toBe('stream');
    expect(await typeOf('wait')).toBe('list');
    expect(json<JobRecord>(await app.inject(`/v1/requests/${done}`)).state).toBe('completed');
  });
});
