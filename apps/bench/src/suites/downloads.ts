import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBodyServer, type BodyServer } from '../downloads/body-server-process.ts';
import { bundleCourierChild, bundleWorkerChild } from '../downloads/child-bundle.ts';
import { courierDownload } from '../downloads/courier-child.ts';
import { curlDownload, curlPipelineDownload, curlVerifiedDownload, ensureCurl } from '../downloads/curl.ts';
import { downloadTimeoutMs, formatSize, readDownloadSettings } from '../downloads/settings.ts';
import { lowerRatio, median, ratio, showRatio } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';

const MiB = 1024 * 1024;
const COURIER = 'courier download()';
/** The real worker library (`startWorkerProcess`, what `courier worker` runs) given a download job. */
const WORKER = 'courier worker, download job';
const CURL = 'curl -s -o';
/** Like for like: curl, then the digest and the fsync that Courier's download includes. */
const CURL_VERIFIED = 'curl -s -o + sha256sum + sync';
/** Like for like as a pipeline: the digest computed while the file is written, as Courier does. */
const CURL_PIPELINE = 'curl | tee | sha256sum + sync';
/** The targets. */
const MIN_RATIO = 0.9;
const MAX_RSS_MIB = 150;

interface Side {
  label: string;
  mibPerSec: number[];
  /** Peak RSS per round, in bytes (Courier's sides only: curl's is not observable from node). */
  maxRss: number[];
  /** RSS just before the download started, per round, in bytes (Courier's sides only). */
  startRss: number[];
  /** CPU seconds per GiB downloaded (Courier's sides only). */
  cpuSecPerGiB: number[];
  /** GET requests the origin answered for this side's downloads (1 per download expected). */
  requests: number[];
}

const fmtMiB = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

async function measureCourier(ctx: BenchContext, server: BodyServer, bundle: string, dir: string, side: Side, round: number): Promise<void> {
  const dst = path.join(dir, `courier-${round}.bin`);
  const before = await server.stats();
  try {
    const m = await courierDownload(bundle, { url: server.url, dst, sha256: server.sha256, size: server.size, timeoutMs: downloadTimeoutMs(server.size) });
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

/** curl alone, curl then sha256sum then sync, or `curl | tee | sha256sum` then sync. */
type CurlMode = 'plain' | 'sequential' | 'pipeline';

async function measureCurl(ctx: BenchContext, server: BodyServer, dir: string, side: Side, round: number, mode: CurlMode): Promise<void> {
  const file = path.join(dir, `curl-${round}.bin`);
  const before = await server.stats();
  try {
    const timeoutMs = downloadTimeoutMs(server.size);
    let elapsedMs: number;
    if (mode !== 'plain') {
      const m = await (mode === 'pipeline' ? curlPipelineDownload : curlVerifiedDownload)(server.url, file, timeoutMs);
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

function toRows(table: string, courier: Side, worker: Side, curl: Side, verified: Side, pipeline: Side): BenchRow[] {
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
      '× curl | tee | sha256sum + sync': showRatio(ratio(side.mibPerSec, pipeline.mibPerSec)),
      'GETs/download': String(Math.max(...side.requests)),
      ...extra,
    },
    series: { maxRss: side.maxRss },
  });
  const none = { 'RSS at start': '–', 'peak RSS': '–', 'CPU s/GiB': '–' };
  const measured = (side: Side) => ({ 'RSS at start': fmtMiB(median(side.startRss)), 'peak RSS': fmtMiB(Math.max(...side.maxRss)), 'CPU s/GiB': median(side.cpuSecPerGiB).toFixed(2) });
  return [row(courier, measured(courier)), row(worker, measured(worker)), row(curl, none), row(verified, none), row(pipeline, none)];
}

const newSide = (label: string): Side => ({ label, mibPerSec: [], maxRss: [], startRss: [], cpuSecPerGiB: [], requests: [] });

export const downloadsSuite: Suite = {
  name: 'downloads',
  title: 'Large downloads to disk: Courier against curl',
  method: [
    'A node:http origin in its own process serves a body generated on the fly (`BENCH_DOWNLOAD_BYTES`, default',
    '1 GiB: a random 1 MiB + 7 B block repeated; never stored) with Range support',
    '(`apps/bench/src/downloads/generated-body.ts`). Each round downloads it to a file in a temporary directory',
    'five times. (1) Courier\'s library — `download(client, url, dst, { sha256, size })` in a fresh child process:',
    'streamed to `<dst>.part`, hashed, size and digest checked, fsynced and renamed; timed from the call to its',
    'resolution, so node start-up is not counted. (2) The real worker — a fresh child process running',
    '`startWorkerProcess` of `@courier/worker` (what `courier worker` runs: its configuration from the environment,',
    'logger, queue worker, job handlers, origin limits) on the in-memory queue, given one download job with the',
    'digest and size; timed from the enqueue to the job\'s completion. (3) Debian\'s `curl -s -S -f -o FILE URL`',
    '(timed from spawn to exit; curl neither hashes nor fsyncs). (4) Like for like, one after the other: that curl,',
    'then `sha256sum FILE` (its output checked) and `sync FILE` (an fsync), timed from curl\'s spawn to sync\'s exit.',
    '(5) Like for like, pipelined: `bash -c \'set -o pipefail; curl -s -S -f URL | tee FILE | sha256sum\'` (the digest',
    'computed while the file is written, as Courier does), then `sync FILE`, timed from bash\'s spawn to sync\'s exit.',
    '`download()` always hashes (its result carries the SHA-256 whether or not one was given), so Courier without a',
    'digest would do the same work; the like-for-like rows are the ones with the digest and the fsync on curl\'s side.',
    'The order rotates every round; each file is deleted at once (which also drops curl\'s unwritten pages). The',
    'bench pins itself to core 0; this suite gives the origin, Courier and curl every core (`taskset -c 0-N`).',
    'MiB/s is the median of the rounds; each `× …` column prints the median of the per-round ratios, then in',
    'brackets the ratio of the medians; a target counts as met only when both meet it.',
    'Both Courier children run as compiled JavaScript, without the tsx loader (whose thread and caches add',
    '~40 MiB), built at the start of the suite: the library child is an esbuild bundle of',
    '`apps/bench/src/downloads/courier-download-main.ts` with `@courier/origin`, `@courier/download` and their',
    'dependencies, as a library user\'s build runs; the worker child is `worker-download-main.ts` compiled against',
    '`npm run build` of `libs/worker` and the libraries it uses, as the Docker image runs Courier.',
    '`peak RSS` is the largest `process.resourceUsage().maxRSS` of a Courier child over the rounds, start-up',
    'included; `RSS at start` is its RSS just before the download (node and the bundle loaded; for the worker, the',
    'worker started); `CPU s/GiB` its CPU time (all threads) per GiB during the download (curl\'s CPU is not',
    'observable from node).',
    'Rounds: `BENCH_ROUNDS`, cut short once `BENCH_DOWNLOAD_BUDGET_MS` (default 5 min) has passed.',
  ].join('\n'),

  async run(ctx) {
    const settings = readDownloadSettings();
    const table = `${formatSize(settings.bytes)} body to disk`;
    if (![COURIER, WORKER, CURL, CURL_VERIFIED, CURL_PIPELINE].some((label) => ctx.selects(`${table} ${label}`))) return [];
    ensureCurl(ctx.log);
    const courier = newSide(COURIER);
    const worker = newSide(WORKER);
    const curl = newSide(CURL);
    const verified = newSide(CURL_VERIFIED);
    const pipeline = newSide(CURL_PIPELINE);
    const dir = await mkdtemp(path.join(tmpdir(), 'courier-bench-dl-'));
    let server: BodyServer | null = null;
    try {
      const bundle = await bundleCourierChild(dir);
      const workerBundle = await bundleWorkerChild();
      server = await startBodyServer(settings.bytes);
      const started = performance.now();
      const measure = {
        courier: (s: BodyServer, round: number) => measureCourier(ctx, s, bundle, dir, courier, round),
        worker: (s: BodyServer, round: number) => measureCourier(ctx, s, workerBundle, dir, worker, round),
        curl: (s: BodyServer, round: number) => measureCurl(ctx, s, dir, curl, round, 'plain'),
        verified: (s: BodyServer, round: number) => measureCurl(ctx, s, dir, verified, round, 'sequential'),
        pipeline: (s: BodyServer, round: number) => measureCurl(ctx, s, dir, pipeline, round, 'pipeline'),
      };
      const sides = ['courier', 'worker', 'curl', 'verified', 'pipeline'] as const;
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
    return toRows(table, courier, worker, curl, verified, pipeline);
  },

  verdicts(rows) {
    const find = (label: string) => rows.find((r) => r.label === label);
    const courier = find(COURIER);
    const ratioVerdict = (target: string, base: BenchRow | undefined): Verdict => {
      if (!courier || !base) return { target, measured: 'not measured', met: null };
      const x = ratio(courier.rounds, base.rounds);
      return { target, measured: `${showRatio(x)}×`, met: lowerRatio(x) >= MIN_RATIO };
    };
    const rssVerdict = (target: string, side: BenchRow | undefined): Verdict => {
      if (!side) return { target, measured: 'not measured', met: null };
      const peak = Math.max(...(side.series?.['maxRss'] ?? [Number.NaN]));
      return { target, measured: fmtMiB(peak), met: peak <= MAX_RSS_MIB * MiB };
    };
    return [
      ratioVerdict(`courier ≥ ${MIN_RATIO.toFixed(2)}× curl (download to disk)`, find(CURL)),
      ratioVerdict(`courier ≥ ${MIN_RATIO.toFixed(2)}× curl + sha256sum + sync (same work, one after the other)`, find(CURL_VERIFIED)),
      ratioVerdict(`courier ≥ ${MIN_RATIO.toFixed(2)}× curl | tee | sha256sum + sync (same work, pipelined)`, find(CURL_PIPELINE)),
      rssVerdict(`courier peak RSS ≤ ${MAX_RSS_MIB} MiB`, courier),
      rssVerdict(`courier worker peak RSS ≤ ${MAX_RSS_MIB} MiB (the worker library running the download job)`, find(WORKER)),
    ];
  },
};
