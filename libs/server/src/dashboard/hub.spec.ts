import type { QueueDriver } from '@courier/queue';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, test } from 'vitest';
import type { OriginView, OriginsView } from '../origins/origins-view.ts';
import type { CampaignsSource } from './campaigns.ts';
import { DashboardHub } from './hub.ts';
import { originColumns, type OriginRow } from './origin-rows.ts';
import type { Viewer } from './viewer.ts';
import { originSnapshot } from '@courier/queue/testing';

const snapshot = originSnapshot;
const col = (name: (typeof originColumns)[number]) => originColumns.indexOf(name);

/** A page that keeps the first full origins table it is sent. */
function page(): { viewer: Viewer; rows: Promise<OriginRow[]>; close: () => void } {
  let resolve: (rows: OriginRow[]) => void = () => {};
  const rows = new Promise<OriginRow[]>((r) => (resolve = r));
  let onClose = () => {};
  const viewer = {
    needsFull: true,
    onClose: (listener: () => void) => (onClose = listener),
    send: (event: string, data: { full?: boolean; upserts?: OriginRow[] }) => {
      if (event === 'origins' && data.full) resolve(data.upserts ?? []);
    },
  } as unknown as Viewer;
  return { viewer, rows, close: () => onClose() };
}

describe('dashboard hub', () => {
  test("in the fleet view each worker's row shows that worker's own latency for the origin", async () => {
    const origin = 'http://a.test:80';
    const workers: OriginView[] = [
      { ...snapshot(origin), workerId: 'fast', requests: { rps: 3, p50Ms: 5, p99Ms: 9 } },
      { ...snapshot(origin), workerId: 'slow', requests: { rps: 1, p50Ms: 400, p99Ms: 900 } },
      { ...snapshot(origin), workerId: 'idle' },
    ];
    const origins = { scope: 'fleet', list: async () => workers } as unknown as OriginsView;
    const queue = { name: 'bullmq', subscribe: () => () => {}, counts: async () => null } as unknown as QueueDriver;
    const campaigns = { poll: async () => ({ available: true, campaigns: [] }) } as unknown as CampaignsSource;
    const hub = new DashboardHub({ origins, queue, campaigns, tickMs: 250, log: { warn: () => {} } as unknown as FastifyBaseLogger });
    const { viewer, rows, close } = page();
    hub.add(viewer);
    try {
      const byWorker = new Map((await rows).map((r) => [r[col('workerId')], r]));
      expect([byWorker.get('fast')![col('p50Ms')], byWorker.get('fast')![col('p99Ms')]]).toEqual([5, 9]);
      expect([byWorker.get('slow')![col('p50Ms')], byWorker.get('slow')![col('p99Ms')]]).toEqual([400, 900]);
      // A worker that ran no request to the origin shows none (this server ran none either).
      expect(byWorker.get('idle')![col('p50Ms')]).toBeNull();
    } finally {
      close();
      await hub.close();
    }
  });
});
