// Saves docs/dashboard.png: the dashboard of a real server (in-memory queue, in-process worker
// running request and download jobs, real origin client) while jobs run against loopback fixture
// origins — 40 healthy ones with 5–80 ms of latency, one that refuses connections — and three
// firmware campaigns run through the campaigns API: one completed, one halted by its failures,
// one rolling out. Run it by hand when the page changes:
//
//   node --conditions=@courier/source --import tsx test/dashboard/take-screenshot.ts [out.png]
//
// Not a test: it writes into docs/. Everything it starts is stopped before it exits.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@courier/origin';
import { createDownloadJobHandler } from '@courier/download';
import { createJobHandlers, createQueue, startWorker } from '@courier/queue';
import { buildApp } from '@courier/server';
import { startHttpFixture } from '../fixtures/index.ts';
import { launchBrowser } from './support/browser.ts';
import { loopbackLookup } from './support/loopback-lookup.ts';

const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));
/** How long the load runs before the picture is taken, and the most jobs it may enqueue. */
const LOAD_MS = 12_000;
const MAX_JOBS = 20_000;
const ORIGINS = 40;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const fixture = await startHttpFixture();
// Simulated service latency (the fixture is the remote service here, not a test waiting on time).
fixture.route('/work', (_req, res) => {
  const delay = 5 + Math.floor(Math.random() * 75);
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delay);
});
// Firmware images: 256 KiB, sent in ~1–3 s per device so the rolling-out campaign is mid-wave
// when the picture is taken; devices whose id ends in 7 get a 503 on the `flaky` path.
const firmware = randomBytes(256 * 1024);
const firmwareSha256 = createHash('sha256').update(firmware).digest('hex');
fixture.route('/firmware/', (req, res) => {
  if (req.url!.startsWith('/firmware/flaky/') && /7\.bin$/.test(req.url!)) return void res.writeHead(503).end();
  const delay = req.url!.startsWith('/firmware/slow/') ? 1000 + Math.floor(Math.random() * 2000) : 0;
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(firmware.length) }).end(firmware), delay);
});
const refused = await closedPort();
const names = Array.from({ length: ORIGINS }, (_, i) => `device-api-${String(i + 1).padStart(2, '0')}.fleet.test`);
const resultsDir = await mkdtemp(join(tmpdir(), 'courier-screenshot-'));
const client = createClient({ lookup: loopbackLookup().lookup, policy: { connections: 4 } });
const queue = await createQueue({});
const downloadRoot = join(resultsDir, 'downloads');
const handlers = createJobHandlers();
const downloadJob = createDownloadJobHandler({ client, root: downloadRoot });
handlers.register('download', (job) => downloadJob(job));
const worker = startWorker({ queue, client, concurrency: 48, resultsDir, handlers });
const app = await buildApp({
  config: { token: undefined, bodyLimitBytes: 10 * 1024 * 1024, maxBatch: 1000, maxWaitMs: 10_000, metricsTopOrigins: 20, resultsDir, downloadRoot },
  queue,
  client,
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };
const browser = await launchBrowser({ width: 1440, height: 1100 });

try {
  const started = Date.now();
  let enqueued = 0;
  let n = 0;
  // Keeps a few hundred jobs waiting so every origin stays busy; bounded in time and in count.
  const load = (async () => {
    while (Date.now() - started < LOAD_MS + 5_000 && enqueued < MAX_JOBS) {
      const counts = await queue.counts();
      if (counts.waiting < 200) {
        const jobs = Array.from({ length: 50 }, () => {
          n += 1;
          // Skewed: the first origins get most of the traffic, as real fleets do.
          const name = names[Math.floor(Math.random() ** 2 * names.length)]!;
          return { url: n % 97 === 0 ? `http://down.fleet.test:${refused}/work` : `http://${name}:${fixture.port}/work` };
        });
        await queue.enqueue(jobs, { attempts: 1 });
        enqueued += jobs.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  // Awaited at the end; until then a failure must not go unhandled (the cleanup below still runs).
  load.catch(() => {});

  const campaign = async (name: string, path: string, devices: number, waves: number[]) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      payload: {
        name,
        firmware: { url: `http://firmware.fleet.test:${fixture.port}/firmware/${path}/{device}.bin`, sha256: firmwareSha256, size: firmware.length },
        devices: Array.from({ length: devices }, (_, i) => ({ id: `dev-${String(i).padStart(4, '0')}` })),
        waves,
        failureThreshold: 0.05,
        attempts: 1,
      },
    });
    if (res.statusCode !== 201) throw new Error(`campaign ${name}: ${res.statusCode} ${res.body}`);
  };
  await campaign('gateway-fw 2.4.1 (lab)', 'fast', 60, [0.1, 1]);
  await campaign('sensor-fw 1.9.0', 'flaky', 400, [0.05, 0.25, 1]);
  await campaign('gateway-fw 2.4.1 (fleet)', 'slow', 2000, [0.01, 0.1, 1]);

  await browser.page.goto(`http://127.0.0.1:${port}/`);
  await browser.page.waitForSelector('#origin-spacer .row[data-origin]');
  await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
  await browser.page.click('#origin-head [data-sort="rps"]');
  await browser.page.waitForTimeout(700);
  await browser.page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out} after ${enqueued} jobs; browser errors: ${browser.errors.length === 0 ? 'none' : browser.errors.join(' | ')}`);
  await load;
} finally {
  await browser.close();
  await app.close();
  await worker.close(1_000);
  await queue.close();
  await client.destroy();
  await fixture.close();
  await rm(resultsDir, { recursive: true, force: true });
}
