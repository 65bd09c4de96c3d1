import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBodyServer, type BodyServer } from '../downloads/body-server-process.ts';
import { bundleCourierChild } from '../downloads/child-bundle.ts';
import { courierDownload } from '../downloads/courier-child.ts';
import { curlDownload, curlVerifiedDownload, ensureCurl } from '../downloads/curl.ts';
import { downloadTimeoutMs, formatSize, readDownloadSettings } from '../downloads/settings.ts';
import { lowerRatio, median, ratio, showRatio } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';

const MiB = 1024 * 1024;
const COURIER = 'courier download()';
const CURL = 'curl -s -o';
/** Like for like: curl, then the digest and the fsync that Courier's download includes. */
const CURL_VERIFIED = 'curl -s -o + sha256sum + sync';
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

async function measureCourier(ctx: BenchContext, server: BodyServer, bundle: string, dir: string, side: Side, round: number): Promise<void> {
  const dst = path.join(dir, `courier-${round}.bin`);
  const before = await server.stats();
  try {
    const m = await courierDownload(bundle, { url: server.url, dst, sha256: server.sha256, size: server.size }, downloadTimeoutMs(server.size));
    if (m.bytes !== server.size || m.sha256 !== server.sha256) throw new Error(`courier downloaded ${m.bytes} bytes with SHA-256 ${m.sha256}; expected ${server.size}, ${server.sha256}`);
    const after = await server.stats();
    side.mibPerSec.push(server.size / MiB / (m.elapsedMs / 1000));
    side.maxRss.push(m.maxRssBytes);
    side.startRss.push(m.startRssBytes);
    side.cpuSecPerGiB.push(m.cpuMicros / 1e6 / (server.size / 1024 ** 3));
    side.requests.push(after.requests - before.requests);
    ctx.log(`${side.label.padEnd(31)} ${side.mibPerSec.at(-1)!.toFixed(0).padStart(6)} MiB/s  (RSS ${fmtMiB(m.startRssBytes)} at start, peak ${fmtMiB(m.maxRssBytes)}; CPU ${side.cpuSecPerGiB.at(-1)!.toFixed(2)} s/GiB)`);
  } finally {
    await rm(dst, { force: true });
  }
}

async function measureCurl(ctx: BenchContext, server: BodyServer, dir: string, side: Side, round: number, verified: boolean): Promise<void> {
  const file = path.join(dir, `curl-${round}.bin`);
  const before = await server.stats();
  try {
    const timeoutMs = downloadTimeoutMs(server.size);
    let elapsedMs: number;
    if (verified) {
      const m = await curlVerifiedDownload(server.url, file, timeoutMs);
      if (m.sha256 !== server.sha256) throw new Error(`sha256sum gave ${m.sha256} for curl's file; expected ${server.sha256}`);
      elapsedMs = m.elapsedMs;
    } else {
      elapsedMs = (await curlDownload(server.url, file, timeoutMs)).elapsedMs;
    }
    const { size } = await stat(file);
    if (size !== server.size) throw new Error(`curl wrote ${size} bytes, expected ${server.size}`);
    const after = await server.stats();
    side.mibPerSec.push(server.size / MiB / (elapsedMs / 1000));
    side.requests.push(after.requests - before.requests);
    ctx.log(`${side.label.padEnd(31)} ${side.mibPerSec.at(-1)!.toFixed(0).padStart(6)} MiB/s`);
  } finally {
    // Deleting at once also drops curl's unwritten pages, so their writeback never lands in Courier's round.
    await rm(file, { force: true });
  }
}

function toRows(table: string, courier: Side, curl: Side, verified: Side): BenchRow[] {
  const row = (side: Side, extra: Record<string, string>): BenchRow => ({
    table,
    label: side.label,
    value: median(side.mibPerSec),
    unit: 'MiB/s',
    rounds: side.mibPerSec,
    columns: {
      'min–max': `${Math.round(Math.min(...side.mibPerSec))}–${Math.round(Math.max(...side.mibPerSec))}`,
      '× curl': showRatio(ratio(side.mibPerSec, curl.mibPerSec)),
      '× curl + sha256sum + sync': showRatio(ratio(side.mibPerSec, verified.mibPerSec)),
      'GETs/download': String(Math.max(...side.requests)),
      ...extra,
    },
    series: { maxRss: side.maxRss },
  });
  const none = { 'RSS at start': '–', 'peak RSS': '–', 'CPU s/GiB': '–' };
  return [
    row(courier, { 'RSS at start': fmtMiB(median(courier.startRss)), 'peak RSS': fmtMiB(Math.max(...courier.maxRss)), 'CPU s/GiB': median(courier.cpuSecPerGiB).toFixed(2) }),
    row(curl, none),
    row(verified, none),
  ];
}

const newSide = (label: string): Side => ({ label, mibPerSec: [], maxRss: [], startRss: [], cpuSecPerGiB: [], requests: [] });

export const downloadsSuite: Suite = {
  name: 'downloads',
  title: 'Large downloads to disk: Courier against curl',
  method: [
    'A node:http origin in its own process serves a body generated on the fly (`BENCH_DOWNLOAD_BYTES`, default',
    '1 GiB: a random 1 MiB + 7 B block repeated; never stored) with Range support',
    '(`apps/bench/src/downloads/generated-body.ts`). Each round downloads it to a file in a temporary directory',
    'once with Courier — `download(client, url, dst, { sha256, size })` in a fresh child process: streamed to',
    '`<dst>.part`, hashed, size and digest checked, fsynced and renamed; timed from the call to its resolution,',
    'so node start-up is not counted —, once with Debian\'s `curl -s -S -f -o FILE URL` (timed from spawn to exit;',
    'curl neither hashes nor fsyncs) and once, like for like, with that curl followed by `sha256sum FILE` (its',
    'output checked) and `sync FILE` (an fsync), timed from curl\'s spawn to sync\'s exit. `download()` always',
    'hashes (its result carries the SHA-256 whether or not one was given), so Courier without a digest would do',
    'the same work; the like-for-like row is the one with the digest and the fsync on curl\'s side.',
    'The order rotates every round; each file is deleted at once (which also drops curl\'s unwritten pages). The',
    'bench pins itself to core 0; this suite gives the origin, Courier and curl every core (`taskset -c 0-N`).',
    'MiB/s is the median of the rounds, `× curl` / `× curl + sha256sum + sync` the median of the per-round ratios.',
    'The Courier child runs as compiled JavaScript: an esbuild bundle of',
    '`apps/bench/src/downloads/courier-download-main.ts` with `@courier/origin`, `@courier/download` and their',
    'dependencies, built at the start of the suite — what a library user\'s build runs, without the tsx loader',
    '(whose thread and caches add ~40 MiB; the Docker image and `npm start` still run through tsx).',
    '`peak RSS` is the largest `process.resourceUsage().maxRSS` of the Courier child over the rounds, start-up',
    'included; `RSS at start` is its RSS just before `download()` (node and the bundle loaded); `CPU s/GiB` its CPU',
    'time (all threads) per GiB during `download()` (curl\'s CPU is not observable from node).',
    'Rounds: `BENCH_ROUNDS`, cut short once `BENCH_DOWNLOAD_BUDGET_MS` (default 5 min) has passed.',
  ].join('\n'),

  async run(ctx) {
    const settings = readDownloadSettings();
    const table = `${formatSize(settings.bytes)} body to disk`;
    if (![COURIER, CURL, CURL_VERIFIED].some((label) => ctx.selects(`${table} ${label}`))) return [];
    ensureCurl(ctx.log);
    const courier = newSide(COURIER);
    const curl = newSide(CURL);
    const verified = newSide(CURL_VERIFIED);
    const dir = await mkdtemp(path.join(tmpdir(), 'courier-bench-dl-'));
    let server: BodyServer | null = null;
    try {
      const bundle = await bundleCourierChild(dir);
      server = await startBodyServer(settings.bytes);
      const started = performance.now();
      const measure = {
        courier: (s: BodyServer, round: number) => measureCourier(ctx, s, bundle, dir, courier, round),
        curl: (s: BodyServer, round: number) => measureCurl(ctx, s, dir, curl, round, false),
        verified: (s: BodyServer, round: number) => measureCurl(ctx, s, dir, verified, round, true),
      };
      const sides = ['courier', 'curl', 'verified'] as const;
      for (let round = 0; round < ctx.settings.rounds; round++) {
        if (round > 0 && performance.now() - started > settings.budgetMs) {
          ctx.log(`time budget of ${settings.budgetMs} ms spent after ${round} rounds`);
          break;
        }
        ctx.log(`round ${round + 1}/${ctx.settings.rounds}`);
        // Rotated, so no side always runs first (or right after another's writeback).
        for (let i = 0; i < sides.length; i++) {
          await measure[sides[(round + i) % sides.length]!](server, round);
          await ctx.collectGarbage();
        }
      }
    } finally {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return toRows(table, courier, curl, verified);
  },

  verdicts(rows) {
    const courier = rows.find((r) => r.label === COURIER);
    const curl = rows.find((r) => r.label === CURL);
    const verified = rows.find((r) => r.label === CURL_VERIFIED);
    const ratioTarget = `courier ≥ ${MIN_RATIO.toFixed(2)}× curl (download to disk)`;
    const likeTarget = `courier ≥ ${MIN_RATIO.toFixed(2)}× curl + sha256sum + sync (same work)`;
    const rssTarget = `courier peak RSS ≤ ${MAX_RSS_MIB} MiB`;
    const ratioVerdict = (target: string, base: BenchRow | undefined): Verdict => {
      if (!courier || !base) return { target, measured: 'not measured', met: null };
      const x = ratio(courier.rounds, base.rounds);
      return { target, measured: `${showRatio(x)}×`, met: lowerRatio(x) >= MIN_RATIO };
    };
    const peak = courier ? Math.max(...(courier.series?.['maxRss'] ?? [Number.NaN])) : Number.NaN;
    return [
      ratioVerdict(ratioTarget, curl),
      ratioVerdict(likeTarget, verified),
      courier ? { target: rssTarget, measured: fmtMiB(peak), met: peak <= MAX_RSS_MIB * MiB } : { target: rssTarget, measured: 'not measured', met: null },
    ];
  },
};
