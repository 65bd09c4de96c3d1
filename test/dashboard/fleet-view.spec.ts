// The dashboard's fleet view in a real browser at 1280 px: each worker's row shows that worker's
// own latency (what it published with its heartbeat), and the Worker column shows whole worker
// ids, not cut off. The fleet is made up (an OriginsView in fleet scope), so no Redis is needed.
import type { AddressInfo } from 'node:net';
import type { OriginSnapshot } from '@courier/origin';
import type { OriginView, OriginsView } from '@courier/server';
import { buildTestApp } from '@courier/server/testing';
import { describe, expect, onTestFinished, test } from 'vitest';
import { launchBrowser } from './support/browser.ts';

/** Watchdog for the first table: the page updates every 0.5–1 s, so this is ~10× that. */
const PAGE_WAIT_MS = 10_000;

const origin = 'http://device-api-01.fleet.test:8080';
const snapshot: OriginSnapshot = {
  origin,
  key: origin,
  state: 'active',
  sockets: { connected: 4, connecting: 0, free: 1, busy: 3, reusable: 4 },
  inFlight: 3,
  queued: 12,
  completed: 12_345,
  failed: 67,
  lastError: 'UND_ERR_CONNECT_TIMEOUT',
};
// Worker ids as `<hostname>-<pid>` gives them on a typical host.
const workers: OriginView[] = [
  { ...snapshot, workerId: 'courier-worker-1-48213', requests: { rps: 41.2, p50Ms: 12, p99Ms: 48 } },
  { ...snapshot, workerId: 'courier-worker-2-51977', requests: { rps: 3.5, p50Ms: 420, p99Ms: 1900 } },
];
const fleet: OriginsView = {
  scope: 'fleet',
  list: async () => workers,
  hasConnection: async () => true,
  closeConnections: async () => ({ workers: workers.length, missing: [] }),
};

describe('dashboard fleet view in chromium', () => {
  test("at 1280 px each worker's row shows its own p50/p99 and its whole worker id", async () => {
    const { app } = await buildTestApp({ worker: false, originsView: fleet });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchBrowser({ width: 1280, height: 800 });
    onTestFinished(() => browser.close());
    const { page } = browser;
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    await page.waitForSelector('#origin-spacer .row:not([hidden]) [data-col="workerId"]:text-is("courier-worker-2-51977")', { timeout: PAGE_WAIT_MS });

    const cells = await page.$$eval('#origin-spacer .row:not([hidden])', (rows) =>
      rows.map((row) => {
        const cell = (id: string) => row.querySelector(`[data-col="${id}"]`)!;
        const worker = cell('workerId');
        const table = row.closest('.table')!.getBoundingClientRect();
        return {
          worker: worker.textContent,
          p50: cell('p50Ms').textContent,
          p99: cell('p99Ms').textContent,
          // Cut off: the text is wider than its cell, or the cell reaches past the table's edge.
          clipped: worker.scrollWidth > worker.clientWidth || worker.getBoundingClientRect().right > table.right,
          actionsVisible: row.querySelector('.actions')!.getBoundingClientRect().right <= table.right,
        };
      }),
    );
    const byWorker = new Map(cells.map((c) => [c.worker, c]));
    expect(byWorker.get('courier-worker-1-48213')).toEqual({ worker: 'courier-worker-1-48213', p50: '12 ms', p99: '48 ms', clipped: false, actionsVisible: true });
    expect(byWorker.get('courier-worker-2-51977')).toEqual({ worker: 'courier-worker-2-51977', p50: '420 ms', p99: '1.90 s', clipped: false, actionsVisible: true });
    expect(browser.errors).toEqual([]);
  });
});
