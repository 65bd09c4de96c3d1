// The campaigns API through app.inject, on the in-memory queue with a real worker running
// @courier/download's job handler against a loopback fixture origin (the Redis store and worker
// processes are in test/campaigns).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDownloadJobHandler } from '@courier/download';
import { createClient } from '@courier/origin';
import { createJobHandlers, createQueue, startWorker, type QueueDriver } from '@courier/queue';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../../app.ts';
import { deviceJobId } from '../../../campaigns/campaign-engine.ts';
import type { CampaignView } from '../../../campaigns/campaign-view.ts';
import { normaliseCampaign } from '../../../dashboard/campaigns.ts';
import { startFirmwareOrigin } from '../../../../../../test/fixtures/index.ts';
import { until } from '../../../../../../test/harness/index.ts';
import { json } from '../../../testing/test-app.ts';

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}
type CampaignDetail = CampaignView & {
  devicePage: { offset: number; limit: number; total: number; state: string | null; items: Array<{ index: number; id: string; dst: string; wave: number; state: string; jobId?: string; bytes?: number; error?: { code: string } }> };
};

/** Watchdog for a campaign to reach a state on a loaded machine (a bound, not a timing claim). */
const WATCHDOG_MS = 30_000;

async function campaignApp(options: { concurrency?: number } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'courier-campaigns-route-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const queue: QueueDriver = await createQueue();
  const client = createClient();
  const app = await buildApp({
    config: { token: undefined, bodyLimitBytes: 16 * 1024 * 1024, maxBatch: 100, maxWaitMs: 10_000, metricsTopOrigins: 20, resultsDir: root },
    queue,
    client,
    sseHeartbeatMs: 60_000,
    campaignCheckIntervalMs: 200,
  });
  const handlers = createJobHandlers();
  const download = createDownloadJobHandler({ client, root, workerId: 'campaign-route-test' });
  handlers.register('download', (job) => download(job));
  const worker = startWorker({ queue, client, handlers, concurrency: options.concurrency ?? 4, resultsDir: root });
  onTestFinished(async () => {
    await app.close();
    await worker.close(1_000);
    await queue.close();
    await client.destroy();
  });
  return { app, queue, root };
}

/** A 64 KiB firmware image at `/fw.bin` (any query), answering 404 for the devices `fails` picks. */
async function firmwareOrigin(fails?: (device: string) => boolean) {
  const fw = await startFirmwareOrigin(64 * 1024, fails);
  onTestFinished(() => fw.origin.close());
  return { ...fw, devicesFetched: () => new Set(fw.fetchedBy()) };
}

async function getCampaign(app: FastifyInstance, id: string, query = ''): Promise<CampaignDetail> {
  const answer = await app.inject(`/v1/campaigns/${id}${query}`);
  expect(answer.statusCode, answer.body).toBe(200);
  return json<CampaignDetail>(answer);
}

/** Polls the campaign (the API has no event for it) until `done` holds, within the watchdog. */
async function waitForCampaign(app: FastifyInstance, id: string, done: (c: CampaignDetail) => boolean, query = ''): Promise<CampaignDetail> {
  let campaign: CampaignDetail | undefined;
  await until(
    async () => done((campaign = await getCampaign(app, id, query))),
    () => `campaign ${id} to get there; last ${JSON.stringify({ ...campaign, devicePage: undefined })}`,
    WATCHDOG_MS,
  );
  return campaign!;
}

const devices = (n: number) => Array.from({ length: n }, (_, i) => `dev-${String(i).padStart(4, '0')}`);
const settledStates = new Set(['completed', 'failed', 'cancelled']);
const allSettled = (c: CampaignDetail) => c.state !== 'running' && c.waves.every((w) => w.counts.waiting === 0 && w.counts.active === 0);

describe('POST /v1/campaigns: validation', () => {
  const firmware = { url: 'http://127.0.0.1:9/fw.bin', sha256: 'a'.repeat(64), size: 1024 };

  it.each([
    ['no devices', { firmware }, 'devices'],
    ['an empty device list', { firmware, devices: [] }, 'devices'],
    ['no firmware', { devices: ['a'] }, 'firmware'],
    ['a bad digest', { firmware: { ...firmware, sha256: 'xyz' }, devices: ['a'] }, 'firmware.sha256'],
    ['a negative size', { firmware: { ...firmware, size: -1 }, devices: ['a'] }, 'firmware.size'],
    ['waves not increasing', { firmware, devices: ['a'], waves: [0.5, 0.1, 1] }, 'waves[1]'],
    ['waves not ending at 1', { firmware, devices: ['a'], waves: [0.1, 0.5] }, 'waves[1]'],
    ['a zero wave', { firmware, devices: ['a'], waves: [0, 1] }, 'waves[0]'],
    ['a threshold above 1', { firmware, devices: ['a'], failureThreshold: 2 }, 'failureThreshold'],
    ['a device id with a slash', { firmware, devices: ['a', 'b/c'] }, 'devices[1]'],
    ['a device id of ..', { firmware, devices: ['..'] }, 'devices[0]'],
    ['a duplicate device', { firmware, devices: ['a', 'b', 'a'] }, 'devices[2]'],
    ['a device of the wrong type', { firmware, devices: ['a', 7] }, 'devices[1]'],
    ['a device object without id', { firmware, devices: [{ dst: 'x.bin' }] }, 'devices[0].id'],
    ['a device object with an unknown field', { firmware, devices: [{ id: 'a', colour: 'red' }] }, 'devices[0].colour'],
    ['two devices writing one dst', { firmware, devices: [{ id: 'a', dst: 'x.bin' }, { id: 'b', dst: 'x.bin' }] }, 'devices[1].dst'],
    ['a template that is the same for every device', { firmware, devices: ['a'], dstTemplate: 'fw.bin' }, 'dstTemplate'],
    ['an unknown field', { firmware, devices: ['a'], colour: 'red' }, 'colour'],
    ['userinfo that varies per device', { firmware: { ...firmware, url: 'http://{device}:pw@127.0.0.1:9/fw.bin' }, devices: ['a'] }, 'firmware.url'],
  ])('answers 400 naming the field for %s', async (_name, payload, field) => {
    const { app } = await campaignApp();
    const answer = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
    expect(answer.statusCode, answer.body).toBe(400);
    const { error } = json<ErrorAnswer>(answer);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('names every problem of a request, not the first and a count', async () => {
    const { app } = await campaignApp();
    const answer = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware: { ...firmware, size: -1 }, devices: ['a'], waves: [0.5, 0.2] } });
    expect(answer.statusCode, answer.body).toBe(400);
    const { error } = json<ErrorAnswer>(answer);
    expect(error.message).toContain('firmware.size: ');
    expect(error.message).toMatch(/waves\[1\]: [^;]*greater/);
    expect(error.message).toMatch(/waves\[1\]: [^;]*last wave/);
    expect(error.message).not.toMatch(/more problem/);
  });

  it('answers BAD_PATH for a dst or template that leaves the download root, BAD_URL for a bad firmware URL', async () => {
    const { app } = await campaignApp();
    const cases: Array<[object, string, string]> = [
      [{ firmware, devices: [{ id: 'a', dst: '../../etc/x' }] }, 'devices[0].dst', 'BAD_PATH'],
      [{ firmware, devices: [{ id: 'a', dst: '/etc/x' }] }, 'devices[0].dst', 'BAD_PATH'],
      [{ firmware, devices: ['a'], dstTemplate: '../{device}.bin' }, 'dstTemplate', 'BAD_PATH'],
      [{ firmware: { ...firmware, url: 'not a url' }, devices: ['a'] }, 'firmware.url', 'BAD_URL'],
      [{ firmware: { ...firmware, url: 'ftp://h/fw.bin' }, devices: ['a'] }, 'firmware.url', 'UNSUPPORTED_SCHEME'],
    ];
    for (const [payload, field, code] of cases) {
      const answer = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
      expect(answer.statusCode, answer.body).toBe(400);
      expect(json<ErrorAnswer>(answer).error).toMatchObject({ field, code });
    }
  });

  it('refuses more than 100,000 devices with a 400 that says the limit', async () => {
    const { app } = await campaignApp();
    const answer = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware, devices: devices(100_001).map((d) => `${d}x`) } });
    expect(answer.statusCode).toBe(400);
    expect(json<ErrorAnswer>(answer).error).toMatchObject({ field: 'devices', message: 'devices: a campaign holds at most 100000 devices' });
  });
});

describe('campaigns: 404s', () => {
  it('answers 404 NOT_FOUND for an unknown campaign (GET and DELETE), 400 for a malformed id or query', async () => {
    const { app } = await campaignApp();
    for (const method of ['GET', 'DELETE'] as const) {
      const answer = await app.inject({ method, url: '/v1/campaigns/cmp-nope' });
      expect(answer.statusCode).toBe(404);
      expect(json<ErrorAnswer>(answer).error.code).toBe('NOT_FOUND');
    }
    expect(json<ErrorAnswer>(await app.inject('/v1/campaigns/bad%20id')).error.field).toBe('params.id');
    expect(json<ErrorAnswer>(await app.inject('/v1/campaigns?limit=0')).error.field).toBe('query.limit');
    const list = await app.inject('/v1/campaigns');
    expect(json(list)).toEqual({ total: 0, offset: 0, limit: 50, campaigns: [] });
  });
});

describe('campaigns: waves', () => {
  it('releases waves in order, each after the one before has finished, and completes with every file verified', async () => {
    const { app, root } = await campaignApp();
    const { firmware, sha256, origin } = await firmwareOrigin();
    const created = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { name: 'fw 2.1', firmware, devices: devices(20), waves: [0.1, 0.5, 1], failureThreshold: 0.1 } });
    expect(created.statusCode, created.body).toBe(201);
    const { id, waves } = json<CampaignView>(created);
    expect(waves.map((w) => [w.firstDevice, w.devices])).toEqual([
      [0, 2],
      [2, 8],
      [10, 10],
    ]);

    const done = await waitForCampaign(app, id, (c) => c.state !== 'running', '?deviceLimit=20');
    expect(done.state).toBe('completed');
    expect(done.waves.map((w) => w.state)).toEqual(['passed', 'passed', 'passed']);
    expect(done.counts).toMatchObject({ completed: 20, failed: 0, pending: 0, waiting: 0, active: 0 });
    expect(done.bytes).toEqual({ done: 20 * firmware.size, total: 20 * firmware.size });
    // Each wave began only once the one before had finished.
    for (let w = 1; w < done.waves.length; w += 1) expect(done.waves[w]!.releasedAt!).toBeGreaterThanOrEqual(done.waves[w - 1]!.finishedAt!);
    expect(done.devicePage.total).toBe(20);
    expect(done.devicePage.items.map((d) => d.state)).toEqual(Array(20).fill('completed'));
    for (const device of done.devicePage.items) {
      expect(createHash('sha256').update(readFileSync(join(root, device.dst))).digest('hex')).toBe(sha256);
      expect(device.dst).toBe(`campaigns/${id}/${device.id}/firmware.bin`);
    }
    expect(origin.requests).toBe(20);

    // The list has it, and the dashboard's normaliser reads it as drawn.
    const list = json<{ total: number; campaigns: CampaignView[] }>(await app.inject('/v1/campaigns'));
    expect(list.total).toBe(1);
    expect(normaliseCampaign(list.campaigns[0])).toMatchObject({
      id,
      name: 'fw 2.1',
      state: 'completed',
      devices: 20,
      bytesDone: 20 * firmware.size,
      bytesTotal: 20 * firmware.size,
      failureThreshold: 0.1,
      waves: [
        { index: 0, state: 'passed', devices: 2, completed: 2, failed: 0 },
        { index: 1, state: 'passed', devices: 8, completed: 8, failed: 0 },
        { index: 2, state: 'passed', devices: 10, completed: 10, failed: 0 },
      ],
    });
  });

  it('halts after a wave whose failure ratio passes the threshold; later waves are never enqueued or fetched', async () => {
    const { app, queue } = await campaignApp();
    // Wave 1 is devices 2–9: three of them fail (3/8 = 37.5 % > 25 %).
    const failing = new Set(['dev-0003', 'dev-0005', 'dev-0007']);
    const { firmware, devicesFetched } = await firmwareOrigin((d) => failing.has(d));
    const created = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware, devices: devices(20), waves: [0.1, 0.5, 1], failureThreshold: 0.25 } });
    const { id } = json<CampaignView>(created);

    const halted = await waitForCampaign(app, id, allSettled, '?deviceState=failed');
    expect(halted.state).toBe('halted');
    expect(halted.halt).toMatchObject({ wave: 1, failed: 3 });
    expect(halted.halt!.failureRatio).toBeGreaterThan(0.25);
    expect(halted.waves.map((w) => w.state)).toEqual(['passed', 'halted', 'skipped']);
    expect(halted.waves[2]).toMatchObject({ released: 0, counts: { pending: 0, waiting: 0, active: 0, completed: 0, failed: 0 } });
    expect(halted.counts.skipped).toBe(10);
    expect(halted.devicePage.items.map((d) => [d.id, d.state, d.error?.code])).toEqual([
      ['dev-0003', 'failed', 'HTTP_STATUS'],
      ['dev-0005', 'failed', 'HTTP_STATUS'],
      ['dev-0007', 'failed', 'HTTP_STATUS'],
    ]);
    // Wave 2's devices: never fetched, never enqueued, shown as skipped.
    const fetched = devicesFetched();
    for (const d of devices(20).slice(10)) expect(fetched.has(d)).toBe(false);
    for (let index = 10; index < 20; index += 1) expect(await queue.get(deviceJobId(id, index))).toBeNull();
    const tail = await getCampaign(app, id, '?deviceOffset=10&deviceLimit=10');
    expect(tail.devicePage.items.map((d) => d.state)).toEqual(Array(10).fill('skipped'));
    expect(tail.devicePage.items.every((d) => d.jobId === undefined)).toBe(true);
  });
});

describe('DELETE /v1/campaigns/:id', () => {
  it('aborts: the waiting jobs of the current wave are cancelled, the running ones finish, later waves never start', async () => {
    const { app, queue } = await campaignApp({ concurrency: 2 });
    const { firmware, origin, devicesFetched } = await firmwareOrigin();
    const held = origin.hold('/fw.bin');
    const created = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware, devices: devices(40), waves: [0.25, 1] } });
    const { id } = json<CampaignView>(created);
    // Two devices are downloading (held by the origin); the other eight of wave 0 wait for the worker.
    await held.waitForArrivals(2);
    await waitForCampaign(app, id, (c) => c.waves[0]!.released === 10);

    const aborted = await app.inject({ method: 'DELETE', url: `/v1/campaigns/${id}` });
    expect(aborted.statusCode, aborted.body).toBe(200);
    expect(json(aborted)).toEqual({ id, aborted: true, cancelled: 8, state: 'aborted' });
    held.release();

    const over = await waitForCampaign(app, id, allSettled, '?deviceLimit=40');
    expect(over.state).toBe('aborted');
    expect(over.waves.map((w) => w.state)).toEqual(['aborted', 'skipped']);
    expect(over.waves[0]!.counts).toMatchObject({ completed: 2, cancelled: 8, waiting: 0, active: 0 });
    expect(over.counts).toMatchObject({ completed: 2, cancelled: 8, skipped: 30 });
    const states = over.devicePage.items.map((d) => d.state);
    expect(states.filter((s) => s === 'completed')).toHaveLength(2);
    expect(states.filter((s) => s === 'cancelled')).toHaveLength(8);
    expect(states.slice(10)).toEqual(Array(30).fill('skipped'));
    expect(over.devicePage.items.every((d) => d.index >= 10 || settledStates.has(d.state))).toBe(true);
    expect(devicesFetched().size).toBe(2);
    for (let index = 10; index < 40; index += 1) expect(await queue.get(deviceJobId(id, index))).toBeNull();

    const again = await app.inject({ method: 'DELETE', url: `/v1/campaigns/${id}` });
    expect(again.statusCode).toBe(409);
    expect(json<ErrorAnswer>(again).error.code).toBe('CONFLICT');
  });
});

describe('POST /v1/campaigns: idempotency', () => {
  it('the same key and request answer the same campaign (201, then 200); another request with the key is 409', async () => {
    const { app } = await campaignApp();
    const firmware = { url: 'http://127.0.0.1:9/fw.bin', sha256: 'b'.repeat(64), size: 10 };
    const payload = { firmware, devices: ['a', 'b'], waves: [1], idempotencyKey: 'rollout-7' };
    const first = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
    const second = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(json<CampaignView>(second).id).toBe(json<CampaignView>(first).id);
    const other = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { ...payload, devices: ['a', 'b', 'c'] } });
    expect(other.statusCode).toBe(409);
    expect(json<ErrorAnswer>(other).error).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
  });
});

describe('POST /v1/campaigns: firmware URL credentials', () => {
  it('keeps userinfo out of the answers and the device jobs, and every device still sends it as authorization', async () => {
    const { app, queue } = await campaignApp();
    const fw = await firmwareOrigin();
    const url = fw.firmware.url.replace('http://', 'http://fw%40user:s3cret@');
    const payload = { firmware: { ...fw.firmware, url }, devices: ['a', 'b'], waves: [1], idempotencyKey: 'with-credentials' };
    const created = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
    expect(created.statusCode, created.body).toBe(201);
    expect(json<CampaignView>(created).firmware.url).toBe(fw.firmware.url);
    const { id } = json<CampaignView>(created);
    const done = await waitForCampaign(app, id, (c) => c.state === 'completed');
    expect(done.counts.completed).toBe(2);
    // The same request again is the same campaign (the credential is part of what is compared, never of what is kept).
    const again = await app.inject({ method: 'POST', url: '/v1/campaigns', payload });
    expect(again.statusCode).toBe(200);
    const other = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { ...payload, firmware: { ...payload.firmware, url: url.replace('s3cret', 'other') } } });
    expect(other.statusCode).toBe(409);
    // Without the userinfo it is another request too.
    const bare = await app.inject({ method: 'POST', url: '/v1/campaigns', payload: { ...payload, firmware: fw.firmware } });
    expect(bare.statusCode).toBe(409);
    const list = await app.inject('/v1/campaigns');
    const jobs = await Promise.all(done.devicePage.items.map((d) => queue.get(d.jobId!)));
    for (const text of [created.body, again.body, list.body, JSON.stringify(done), JSON.stringify(jobs)]) expect(text).not.toContain('s3cret');
    expect(fw.origin.requestLog.map((r) => r.headers.authorization)).toEqual(Array(2).fill(`Basic ${Buffer.from('fw@user:s3cret').toString('base64')}`));
  });
});
