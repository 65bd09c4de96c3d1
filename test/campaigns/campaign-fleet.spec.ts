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
import { startRedis, type RedisHandle } from '../harness/index.ts';
import { pollUntil, startApi, startFleet, type Api } from './support/fleet.ts';

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

async function campaign(api: Api, id: string, query = ''): Promise<CampaignView & { devicePage: { total: number; items: Array<{ id: string; state: string; dst: string }> } }> {
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
    const halted = await pollUntil(
      () => campaign(api, id, '?deviceState=failed&deviceLimit=100'),
      (c) => c.state !== 'running' && c.counts.waiting === 0 && c.counts.active === 0,
      WATCHDOG_MS,
      'campaign halted and settled',
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
    await pollUntil(() => campaign(first, id), (c) => c.waves[0]!.released === 10, WATCHDOG_MS, 'wave 0 released');

    // The server goes away; wave 0 finishes while no server watches (its events are missed).
    await first.close();
    held.release();
    // Read with a queue of the test's own: no API server is involved.
    const observer = await createQueue({ redisUrl: redis.url, prefix: fleet.prefix, events: false });
    onTestFinished(() => observer.close());
    await pollUntil(async () => (await observer.counts()).completed, (n) => n >= 10, WATCHDOG_MS, 'wave 0 finished');

    const second = await startApi(redis, fleet);
    const before = await campaign(second, id);
    expect(before).toMatchObject({ id, state: 'running', devices: 40 });
    const done = await pollUntil(() => campaign(second, id, '?deviceLimit=40'), (c) => c.state !== 'running', WATCHDOG_MS, 'campaign completed');
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
});
