import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBodyServer, type BodyServer } from '../downloads/body-server-process.ts';
import { courierDownload } from '../downloads/courier-child.ts';
import { curlDownload, ensureCurl } from '../downloads/curl.ts';
import { downloadTimeoutMs, formatSize, readDownloadSettings } from '../downloads/settings.ts';
import { median, pairedRatio } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';

const MiB = 1024 * 1024;
const COURIER = 'courier download()';
const CURL = 'curl -s -o';
/** The targets. */
const MIN_RATIO = 0.9;
const MAX_RSS_MIB = 150;

interface Side {
  label: string;
  mibPerSec: number[];
  /** Peak RSS per round, in bytes (Courier only: curl's is not observable from node). */
  maxRss: number[];
  /** RSS just before the download started, per round, in bytes (Courier only). */
  startRss: number[];
  /** CPU seconds per GiB downloaded (Courier only). */
  cpuSecPerGiB: number[];
  /** GET requests the origin answered for this side's downloads (1 per download expected). */
  requests: number[];
}

const fmtMiB = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

async function measureCourier(ctx: BenchContext, server: BodyServer, dir: string, side: Side, round: number): Promise<void> {
  const dst = path.join(dir, `courier-${round}.bin`);
  const before = await server.stats();
  try {
    const m = await courierDownload({ url: server.url, dst, sha256: server.sha256, size: server.size }, downloadTimeoutMs(server.size));
    if (m.bytes !== server.size || m.sha256 !== server.sha256) throw new Error(`courier downloaded ${m.bytes} bytes with SHA-256 ${m.sha256}; expected ${server.size}, ${server.sha256}`);
    const after = await server.stats();
    side.mibPerSec.push(server.size / MiB / (m.elapsedMs / 1000));
    side.maxRss.push(m.maxRssBytes);
    side.startRss.push(m.startRssBytes);
    side.cpuSecPerGiB.push(m.cpuMicros / 1e6 / (server.size / 1024 ** 3));
    side.requests.push(after.requests - before.requests);
    ctx.log(`${side.label.padEnd(20)} ${side.mibPerSec.at(-1)!.toFixed(0).padStart(6)} MiB/s  (RSS ${fmtMiB(m.startRssBytes)} at start, peak ${fmtMiB(m.maxRssBytes)}; CPU ${side.cpuSecPerGiB.at(-1)!.toFixed(2)} s/GiB)`);
  } finally {
    await rm(dst, { force: true });
  }
}

async function measureCurl(ctx: BenchContext, server: BodyServer, dir: string, side: Side, round: number): Promise<void> {
  const file = path.join(dir, `curl-${round}.bin`);
  const before = await server.stats();
  try {
    const { elapsedMs } = await curlDownload(server.url, file, downloadTimeoutMs(server.size));
    const { size } = await stat(file);
    if (size !== server.size) throw new Error(`curl wrote ${size} bytes, expected ${server.size}`);
    const after = await server.stats();
    side.mibPerSec.push(server.size / MiB / (elapsedMs / 1000));
    side.requests.push(after.requests - before.requests);
    ctx.log(`${side.label.padEnd(20)} ${side.mibPerSec.at(-1)!.toFixed(0).padStart(6)} MiB/s`);
  } finally {
    // Deleting at once also drops curl's dirty pages, so their writeback never lands in Courier's round.
    await rm(file, { force: true });
  }
}

function toRows(table: string, courier: Side, curl: Side): BenchRow[] {
  const row = (side: Side, extra: Record<string, string>): BenchRow => ({
    table,
    label: side.label,
    value: median(side.mibPerSec),
    unit: 'MiB/s',
    rounds: side.mibPerSec,
    columns: {
      'min–max': `${Math.round(Math.min(...side.mibPerSec))}–${Math.round(Math.max(...side.mibPerSec))}`,
      '× curl': pairedRatio(side.mibPerSec, curl.mibPerSec).toFixed(2),
      'GETs/download': String(Math.max(...side.requests)),
      ...extra,
    },
    series: { maxRss: side.maxRss },
  });
  return [
    row(courier, { 'RSS at start': fmtMiB(median(courier.startRss)), 'peak RSS': fmtMiB(Math.max(...courier.maxRss)), 'CPU s/GiB': median(courier.cpuSecPerGiB).toFixed(2) }),
    row(curl, { 'RSS at start': '–', 'peak RSS': '–', 'CPU s/GiB': '–' }),
  ];
}

export const downloadsSuite: Suite = {
  name: 'downloads',
  title: 'Large downloads to disk: Courier against curl',
  method: [
    'A node:http origin in its own process serves a body generated on the fly (`BENCH_DOWNLOAD_BYTES`, default',
    '1 GiB: a random 1 MiB + 7 B block repeated; never stored) with Range support',
    '(`apps/bench/src/downloads/generated-body.ts`). Each round downloads it to a file in a temporary directory',
    'once with Courier — `download(client, url, dst, { sha256, size })` in a fresh child process: streamed to',
    '`<dst>.part`, hashed, size and digest checked, fsynced and renamed; timed from the call to its resolution,',
    'so node and tsx start-up are not counted — and once with Debian\'s `curl -s -S -f -o FILE URL` (timed from',
    'spawn to exit; curl neither hashes nor fsyncs). The order alternates every round; each file is deleted at',
    'once (which also drops curl\'s unwritten pages). The bench pins itself to core 0; this suite gives the origin,',
    'Courier and curl every core (`taskset -c 0-N`). MiB/s is the median of the rounds, `× curl` the median of',
    'the per-round ratios. `peak RSS` is the largest `process.resourceUsage().maxRSS` of the Courier child over',
    'the rounds, start-up and the tsx loader included (as `npm start` and the Docker image run it); `RSS at start` is',
    'its RSS just before `download()` (node, tsx and the libs loaded); `CPU s/GiB` its CPU time (all threads) per GiB',
    '(curl\'s CPU is not observable from node).',
    'Rounds: `BENCH_ROUNDS`, cut short once `BENCH_DOWNLOAD_BUDGET_MS` (default 5 min) has passed.',
  ].join('\n'),

  async run(ctx) {
    const settings = readDownloadSettings();
    const table = `${formatSize(settings.bytes)} body to disk`;
    if (!ctx.selects(`${table} ${COURIER}`) && !ctx.selects(`${table} ${CURL}`)) return [];
    ensureCurl(ctx.log);
    const courier: Side = { label: COURIER, mibPerSec: [], maxRss: [], startRss: [], cpuSecPerGiB: [], requests: [] };
    const curl: Side = { label: CURL, mibPerSec: [], maxRss: [], startRss: [], cpuSecPerGiB: [], requests: [] };
    const dir = await mkdtemp(path.join(tmpdir(), 'courier-bench-dl-'));
    let server: BodyServer | null = null;
    try {
      server = await startBodyServer(settings.bytes);
      const started = performance.now();
      for (let round = 0; round < ctx.settings.rounds; round++) {
        if (round > 0 && performance.now() - started > settings.budgetMs) {
          ctx.log(`time budget of ${settings.budgetMs} ms spent after ${round} rounds`);
          break;
        }
        ctx.log(`round ${round + 1}/${ctx.settings.rounds}`);
        const order = round % 2 === 0 ? ['courier', 'curl'] : ['curl', 'courier'];
        for (const who of order) {
          if (who === 'courier') await measureCourier(ctx, server, dir, courier, round);
          else await measureCurl(ctx, server, dir, curl, round);
          await ctx.collectGarbage();
        }
      }
    } finally {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return toRows(table, courier, curl);
  },

  verdicts(rows) {
    const courier = rows.find((r) => r.label === COURIER);
    const curl = rows.find((r) => r.label === CURL);
    const ratioTarget = `courier ≥ ${MIN_RATIO.toFixed(2)}× curl (download to disk)`;
    const rssTarget = `courier peak RSS ≤ ${MAX_RSS_MIB} MiB`;
    if (!courier || !curl) return [{ target: ratioTarget, measured: 'not measured', met: null }, { target: rssTarget, measured: 'not measured', met: null }];
    const ratio = pairedRatio(courier.rounds, curl.rounds);
    const peak = Math.max(...(courier.series?.['maxRss'] ?? [Number.NaN]));
    const out: Verdict[] = [
      { target: ratioTarget, measured: `${ratio.toFixed(2)}×`, met: ratio >= MIN_RATIO },
      { target: rssTarget, measured: fmtMiB(peak), met: peak <= MAX_RSS_MIB * MiB },
    ];
    return out;
  },
};
