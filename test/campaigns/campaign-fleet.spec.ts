/**
 * Issue 5, campaigns across processes: the API app (this process) on a real Redis with worker
 * processes running `courier worker`, a loopback fixture origin that serves per-device URLs
 * (`/fw.bin?device=<id>`) and counts who fetched. Orders come from a latch and the API's own
 * answers; watchdogs are generous, timings are not asserted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createQueue } from '@courier/queue';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { deviceJobId, type CampaignView } from '@courier/server';
import { startFirmwareOrigin } from '../fixtures/index.ts';
import { startRedis, until, type RedisHandle } from '../harness/index.ts';
import { startApi, startFleet, type Api } from './support/fleet.ts';

/** Watchdog for one campaign to get somewhere on a loaded 2-core machine. */
const WATCHDOG_MS = 60_000;

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const deviceIds = (n: number) => Array.from({ length: n }, (_, i) => `dev-${String(i).padStart(5, '0')}`);

/** A 32 KiB firmware image at `/fw.bin`; the devices `fails` picks get a 404. */
async function firmwareOrigin(fails?: (device: string) => boolean) {
  const fw = await startFirmwareOrigin(32 * 1024, fails);
  onTestFinished(() => fw.origin.close());
  return fw;
}

type CampaignAnswer = CampaignView & { devicePage: { total: number; items: Array<{ id: string; state: string; dst: string }> } };

async function campaign(api: Api, id: string, query = ''): Promise<CampaignAnswer> {
  const answer = await api.app.inject(`/v1/campaigns/${id}${query}`);
  expect(answer.statusCode, answer.body).toBe(200);
  return JSON.parse(answer.body);
}

describe('campaigns on Redis with worker processes', () => {
  it('a campaign over 1,000 devices halts after the wave whose failures pass the threshold; the other devices are never fetched', async () => {
    const ids = deviceIds(1_000);
    // Wave 1 holds devices 10–99; every fifth of them fails (18 of 90 = 20 % > 10 %).
    const failing = new Set(ids.slice(10, 100).filter((_, k) => k % 5 === 0));
    const { firmware, fetchedBy, origin } = await firmwareOrigin((d) => failing.has(d));
    const fleet = await startFleet(redis, { workers: 2, concurrency: 16 });
    const api = await startApi(redis, fleet);

    const created = await api.app.inject({ method: 'POST', url: '/v1/campaigns', payload: { name: 'fw 3.0', firmware, devices: ids, waves: [0.01, 0.1, 1], failureThreshold: 0.1 } });
    expect(created.statusCode, created.body).toBe(201);
    const { id, waves } = JSON.parse(created.body) as CampaignView;
    expect(waves.map((w) => w.devices)).toEqual([10, 90, 900]);

    // Halted, and every job it released has finished.
    // Campaigns have no event stream: their API answer is polled.
    let halted!: CampaignAnswer;
    await until(
      async () => {
        halted = await campaign(api, id, '?deviceState=failed&deviceLimit=100');
        return halted.state !== 'running' && halted.counts.waiting === 0 && halted.counts.active === 0;
      },
      () => `campaign halted and settled; last ${JSON.stringify(halted).slice(0, 2000)}`,
      WATCHDOG_MS,
      100,
    );
    expect(halted.state).toBe('halted');
    expect(halted.halt).toMatchObject({ wave: 1 });
    expect(halted.halt!.failureRatio).toBeGreaterThan(0.1);
    expect(halted.waves.map((w) => w.state)).toEqual(['passed', 'halted', 'skipped']);
    expect(halted.waves[0]!.counts).toMatchObject({ completed: 10, failed: 0 });
    expect(halted.waves[1]!.counts).toMatchObject({ completed: 72, failed: 18 });
    expect(halted.waves[1]!.failureRatio).toBeCloseTo(0.2);
    expect(halted.waves[2]).toMatchObject({ released: 0, counts: { completed: 0, failed: 0, waiting: 0, active: 0 } });
    expect(halted.counts).toMatchObject({ completed: 82, failed: 18, skipped: 900 });
    expect(halted.devicePage.items.map((d) => d.id).sort()).toEqual([...failing].sort());

    // The fixture saw devices 0–99, each once, and none of the 900 others.
    const fetched = fetchedBy();
    expect(origin.requests).toBe(100);
    expect(new Set(fetched)).toEqual(new Set(ids.slice(0, 100)));
    // The queue holds the 100 jobs of waves 0 and 1, and none for wave 2.
    const counts = await api.queue.counts();
    expect(counts).toMatchObject({ completed: 82, failed: 18, waiting: 0, active: 0, delayed: 0 });
    const wave2Jobs = await Promise.all(ids.slice(100).map((_, k) => api.queue.get(deviceJobId(id, 100 + k))));
    expect(wave2Jobs.filter((j) => j !== null)).toEqual([]);
  }, 120_000);

  it('campaign state survives a server restart: another server picks the campaign up, sees what finished while none watched, and completes it', async () => {
    const ids = deviceIds(40);
    const { firmware, sha256, origin } = await firmwareOrigin();
    const held = origin.hold('/fw.bin');
    const fleet = await startFleet(redis, { workers: 1, concurrency: 16 });
    const first = await startApi(redis, fleet);

    const created = await first.app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware, devices: ids, waves: [0.25, 1], failureThreshold: 0 } });
    const { id } = JSON.parse(created.body) as CampaignView;
    // Wave 0 (10 devices) is enqueued and its downloads are held by the origin.
    await held.waitForArrivals(10);
    await until(async () => (await campaign(first, id)).waves[0]!.released === 10, 'wave 0 released', WATCHDOG_MS, 100);

    // The server goes away; wave 0 finishes while no server watches (its events are missed).
    await first.close();
    held.release();
    // Read with a queue of the test's own: no API server is involved.
    const observer = await createQueue({ redisUrl: redis.url, prefix: fleet.prefix, events: false });
    onTestFinished(() => observer.close());
    await until(async () => (await observer.counts()).completed >= 10, 'wave 0 finished', WATCHDOG_MS, 100);

    const second = await startApi(redis, fleet);
    const before = await campaign(second, id);
    expect(before).toMatchObject({ id, state: 'running', devices: 40 });
    let done!: CampaignAnswer;
    await until(async () => (done = await campaign(second, id, '?deviceLimit=40')).state !== 'running', 'campaign completed', WATCHDOG_MS, 100);
    expect(done.state).toBe('completed');
    expect(done.waves.map((w) => [w.state, w.counts.completed])).toEqual([
      ['passed', 10],
      ['passed', 30],
    ]);
    expect(origin.requests).toBe(40);
    for (const device of done.devicePage.items) {
      expect(device.state).toBe('completed');
      expect(createHash('sha256').update(await readFile(join(fleet.root, device.dst))).digest('hex')).toBe(sha256);
    }
    const list = JSON.parse((await second.app.inject('/v1/campaigns')).body) as { total: number; campaigns: CampaignView[] };
    expect(list.campaigns.map((c) => [c.id, c.state])).toEqual([[id, 'completed']]);
  }, 120_000);

  it('an abort on Redis cancels the wave\'s jobs that have not started, lets the running ones finish, and starts no later wave', async () => {
    const ids = deviceIds(40);
    const { firmware, origin, fetchedBy } = await firmwareOrigin();
    const held = origin.hold('/fw.bin');
    // Two worker slots: two devices download (held by the origin), the wave's eight others wait.
    const fleet = await startFleet(redis, { workers: 1, concurrency: 2 });
    const api = await startApi(redis, fleet);
    const created = await api.app.inject({ method: 'POST', url: '/v1/campaigns', payload: { firmware, devices: ids, waves: [0.25, 1] } });
    const { id } = JSON.parse(created.body) as CampaignView;
    await held.waitForArrivals(2);
    await until(async () => (await campaign(api, id)).waves[0]!.released === 10, 'wave 0 released', WATCHDOG_MS, 100);
    // A queue job per device (plain jobs, not batch jobs: wave-release.ts says why): the waiting
    // ones read `waiting`, which is how the abort tells them from the running ones.
    expect(await api.queue.counts()).toMatchObject({ active: 2, waiting: 8 });

    const aborted = await api.app.inject({ method: 'DELETE', url: `/v1/campaigns/${id}` });
    expect(aborted.statusCode, aborted.body).toBe(200);
    expect(JSON.parse(aborted.body)).toEqual({ id, aborted: true, cancelled: 8, state: 'aborted' });
    held.release();

    let over!: CampaignAnswer;
    await until(
      async () => {
        over = await campaign(api, id, '?deviceLimit=40');
        const wave = over.waves[0]!.counts;
        return wave.waiting === 0 && wave.active === 0 && wave.completed + wave.failed + wave.cancelled === 10;
      },
      () => `wave 0 settled; last ${JSON.stringify(over?.waves)}`,
      WATCHDOG_MS,
      100,
    );
    expect(over.state).toBe('aborted');
    expect(over.waves.map((w) => w.state)).toEqual(['aborted', 'skipped']);
    expect(over.counts).toMatchObject({ completed: 2, failed: 0, cancelled: 8, skipped: 30 });
    expect(fetchedBy()).toHaveLength(2);
    for (let index = 10; index < 40; index += 1) expect(await api.queue.get(deviceJobId(id, index))).toBeNull();
  }, 120_000);
});
