import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from '@courier/origin';
import { createQueue } from '@courier/queue';
import { buildApp } from '@courier/server';
import { chromium, type BrowserContext } from 'playwright-core';
import { median } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';
import { startTarget, type TargetProcess } from '../target/target-process.ts';

const TABLE_PREFIX = 'dashboard';
const FIRST_SCREEN_LABEL = 'first screen: navigation → visible rows of every origin';
const SORT_LABEL = 'sort by req/s: click → rows redrawn';
const ORIGINS = 10_000;
/** Requests in flight while the origins are being created. */
const CREATE_CONCURRENCY = 64;
/** Watchdog for one page measurement, in milliseconds (the target is 1 s). */
const PAGE_TIMEOUT_MS = 60_000;
const CHROMIUM = '/usr/bin/chromium';
/** The flags the dashboard tests use: headless, quiet, nothing fetched but the page. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const run = promisify(execFile);

/** Debian's chromium, installed with apt when missing (the bench runs alone, so no lock as in test/harness). */
async function ensureChromium(ctx: BenchContext): Promise<string> {
  try {
    await access(CHROMIUM);
    return CHROMIUM;
  } catch {
    if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: sudo apt-get install -y chromium`);
    ctx.log('installing chromium with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update'], { env, maxBuffer: 64 << 20 });
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', 'chromium'], { env, maxBuffer: 64 << 20 });
    return CHROMIUM;
  }
}

/** Every name resolves to 127.0.0.1: one target port serves as many origins as wanted (`o123.dash.test:PORT`). */
const loopbackLookup = ((_host: string, options: { all?: boolean }, callback: (err: null, a: string | LookupAddress[], f?: number) => void) => {
  process.nextTick(() => (options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)));
}) as unknown as LookupFunction;

/** One request to each of `n` origins; sockets are closed after use, so 10,000 actors hold no 10,000 sockets. */
async function createOrigins(client: Client, port: number, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await client.request(`http://o${i}.dash.test:${port}/bytes/64`, { dontMakeReusable: true });
      await res.bytes();
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  if (client.size < n) throw new Error(`expected ${n} origin actors, the client has ${client.size}`);
}

interface PageFigures {
  firstScreenMs: number;
  sortMs: number;
}

/**
 * One fresh page: milliseconds from navigation start until the frame that draws the first rows of
 * the whole snapshot (every origin counted), then the time a re-sort of all rows takes to reach the screen.
 */
async function measurePage(context: BrowserContext, url: string, n: number): Promise<PageFigures> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    // The page marks the frame that first draws the whole first snapshot (`courier:first-screen`);
    // waitForSelector polls in Playwright's own world, which the page's CSP does not restrict.
    await page.waitForSelector(`#origin-count:text-is("${n.toLocaleString('en-US')}")`, { timeout: PAGE_TIMEOUT_MS });
    await page.waitForSelector('#origin-spacer .row[data-origin]', { timeout: PAGE_TIMEOUT_MS });
    const firstScreenMs = (await page.evaluate(`performance.getEntriesByName('courier:first-screen')[0]?.startTime ?? null`)) as number | null;
    if (firstScreenMs === null) throw new Error('the page drew its rows but set no courier:first-screen mark');
    const sortMs = (await page.evaluate(`new Promise((resolve) => {
      const started = performance.now();
      document.querySelector('#origin-head [data-sort="rps"]').click();
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
    })`)) as number;
    return { firstScreenMs, sortMs };
  } finally {
    await page.close();
  }
}

function row(table: string, label: string, rounds: number[]): BenchRow {
  return {
    table,
    label,
    value: median(rounds),
    unit: 'ms',
    rounds,
    columns: { 'min–max': `${Math.round(Math.min(...rounds))}–${Math.round(Math.max(...rounds))}` },
  };
}

export const dashboardSuite: Suite = {
  name: 'dashboard',
  title: 'Dashboard with 10,000 origins',
  method: [
    `The server (in-memory queue, its own origin client) holds ${ORIGINS.toLocaleString('en-US')} origin actors, made by one real request`,
    'each to the loopback target process (names resolved to 127.0.0.1, sockets closed after use, so the actors are idle).',
    'Debian’s chromium, driven headless by playwright-core with a fresh profile, opens the dashboard once per round in a new page:',
    'the first-screen figure is `performance.now()` in the page (milliseconds since navigation start) at the first animation frame',
    'where the table shows rows and counts every origin — page, script, event stream, the full snapshot in chunks, and the first',
    'virtualised render. The sort figure is a click on a column header until the next frame is drawn. Medians of the rounds;',
    'the first round includes the server’s cold path. Both browser and server share this machine’s cores.',
  ].join(' '),

  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const table = `${TABLE_PREFIX} (${ORIGINS.toLocaleString('en-US')} origins)`;
    if (!ctx.selects(`${table} ${FIRST_SCREEN_LABEL}`) && !ctx.selects(`${table} ${SORT_LABEL}`)) return [];
    const executablePath = await ensureChromium(ctx);
    let target: TargetProcess | undefined;
    const client = createClient({ lookup: loopbackLookup, policy: { idleEvictionMs: 0 }, maxOrigins: ORIGINS + 10 });
    const queue = await createQueue({});
    const resultsDir = await mkdtemp(join(tmpdir(), 'courier-bench-dashboard-'));
    const userDataDir = await mkdtemp(join(tmpdir(), 'courier-bench-chromium-'));
    let context: BrowserContext | undefined;
    const app = await buildApp({
      config: { token: undefined, bodyLimitBytes: 1 << 20, maxBatch: 1000, maxWaitMs: 1000, metricsTopOrigins: 20, resultsDir },
      queue,
      client,
    });
    try {
      target = await startTarget({ listeners: 1, core: ctx.serverCore });
      const started = performance.now();
      await createOrigins(client, target.ports[0]!, ORIGINS);
      ctx.log(`${client.size.toLocaleString('en-US')} origin actors created in ${Math.round(performance.now() - started)} ms`);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
      context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 } });
      const firstScreen: number[] = [];
      const sort: number[] = [];
      for (let r = 0; r < ctx.settings.rounds; r++) {
        const figures = await measurePage(context, url, ORIGINS);
        firstScreen.push(figures.firstScreenMs);
        sort.push(figures.sortMs);
        ctx.log(`dashboard round ${r + 1}: first screen ${Math.round(figures.firstScreenMs)} ms, sort ${Math.round(figures.sortMs)} ms`);
      }
      return [row(table, FIRST_SCREEN_LABEL, firstScreen), row(table, SORT_LABEL, sort)];
    } finally {
      await context?.close();
      await app.close();
      await queue.close();
      await client.destroy();
      await target?.stop();
      await rm(resultsDir, { recursive: true, force: true });
      await rm(userDataDir, { recursive: true, force: true });
    }
  },

  verdicts(rows: readonly BenchRow[]): Verdict[] {
    const first = rows.find((r) => r.label === FIRST_SCREEN_LABEL);
    return [
      {
        target: `first screen < 1 s with ${ORIGINS.toLocaleString('en-US')} origins`,
        measured: first === undefined ? '–' : `${Math.round(first.value)} ms`,
        met: first === undefined ? null : first.value < 1000,
      },
    ];
  },
};
