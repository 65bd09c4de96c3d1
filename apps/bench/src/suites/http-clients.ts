import { clientNames, createClientUnderTest, type ClientName } from '../http/clients.ts';
import { runClosedLoop } from '../http/closed-loop.ts';
import { lowerRatio, median, ratio, showRatio } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';
import { startTarget, type TargetProcess } from '../target/target-process.ts';

/**
 * Response body sizes, in bytes, with their table headings and Courier's target against
 * `undici.request`: issue 14 asks the direct path for ≥ 1.3× on small bodies (64 B, where the
 * per-request cost of the client is all there is); on 64 KiB bodies the copy dominates.
 */
const bodySizes = [
  { bytes: 64, table: '64 B body', minVsUndici: 1.3 },
  { bytes: 64 * 1024, table: '64 KiB body', minVsUndici: 0.9 },
] as const;

const BASELINE: ClientName = 'undici.request';
const CPU_SERIES = 'cpuMicrosPerRequest';

interface Variant {
  table: string;
  client: ClientName;
  bytes: number;
  reqPerSec: number[];
  clientCpu: number[];
  serverCpu: number[];
  /** Client CPU time per request, in microseconds: less exposed than req/s to being descheduled on a shared machine. */
  cpuMicrosPerRequest: number[];
  /** TCP connections the server accepted during the measured window (keep-alive: expect 0). */
  opened: number[];
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;

async function measure(ctx: BenchContext, target: TargetProcess, origin: string, v: Variant): Promise<void> {
  const { settings } = ctx;
  const client = createClientUnderTest(v.client, origin, settings.connections);
  const path = `/bytes/${v.bytes}`;
  const get = () => client.get(path);
  const load = { inFlight: settings.inFlight, maxRequests: settings.maxRequests, expectBytes: v.bytes };
  try {
    // Warm-up: sockets connected and code optimised before the clock starts.
    if (settings.warmupMs > 0) await runClosedLoop(get, { ...load, durationMs: settings.warmupMs });
    const before = await target.stats();
    const result = await runClosedLoop(get, { ...load, durationMs: settings.durationMs });
    const after = await target.stats();
    const served = after.requests - before.requests;
    if (served < result.requests) throw new Error(`${v.client}: the server answered ${served} requests but the client completed ${result.requests}`);
    v.reqPerSec.push(result.reqPerSec);
    v.clientCpu.push(result.cpuShare);
    v.serverCpu.push((after.cpuMicros - before.cpuMicros) / 1000 / result.elapsedMs);
    v.cpuMicrosPerRequest.push((result.cpuShare * result.elapsedMs * 1000) / result.requests);
    v.opened.push(after.connections - before.connections);
    ctx.log(`${v.table.padEnd(12)} ${v.client.padEnd(15)} ${Math.round(result.reqPerSec).toLocaleString('en-US').padStart(8)} req/s  (client CPU ${pct(result.cpuShare)}, server CPU ${pct(v.serverCpu.at(-1)!)})`);
  } finally {
    await client.close();
  }
}

function toRows(variants: Variant[]): BenchRow[] {
  return variants.map((v) => {
    const baseline = variants.find((b) => b.table === v.table && b.client === BASELINE);
    const x = baseline ? ratio(v.reqPerSec, baseline.reqPerSec) : null;
    // Cost ratio the other way round (baseline cost / this cost), so > 1 means cheaper than the baseline, like req/s.
    const costRatio = baseline ? ratio(baseline.cpuMicrosPerRequest, v.cpuMicrosPerRequest) : null;
    return {
      table: v.table,
      label: v.client,
      value: median(v.reqPerSec),
      unit: 'req/s',
      rounds: v.reqPerSec,
      columns: {
        'min–max': `${Math.round(Math.min(...v.reqPerSec)).toLocaleString('en-US')}–${Math.round(Math.max(...v.reqPerSec)).toLocaleString('en-US')}`,
        [`× ${BASELINE}`]: showRatio(x),
        'CPU µs/req': median(v.cpuMicrosPerRequest).toFixed(1),
        [`× ${BASELINE} by CPU`]: showRatio(costRatio),
        'client CPU': pct(median(v.clientCpu)),
        'server CPU': pct(median(v.serverCpu)),
        'new sockets': String(Math.max(...v.opened)),
      },
      series: { [CPU_SERIES]: v.cpuMicrosPerRequest },
    };
  });
}

/** Courier against a rival at one body size: both ratios (per round, of medians), the lower checked against `min`. */
function ratioVerdict(rows: readonly BenchRow[], table: string, rival: ClientName, min: number): Verdict {
  const courier = rows.find((r) => r.table === table && r.label === 'courier');
  const other = rows.find((r) => r.table === table && r.label === rival);
  const target = `courier ≥ ${min.toFixed(2)}× ${rival} (${table})`;
  if (!courier || !other) return { target, measured: 'not measured', met: null };
  const x = ratio(courier.rounds, other.rounds);
  const byCpu = ratio(other.series?.[CPU_SERIES] ?? [], courier.series?.[CPU_SERIES] ?? []);
  const cpuNote = Number.isFinite(byCpu.perRound) ? ` (by CPU cost ${showRatio(byCpu)}×)` : '';
  return { target, measured: `${showRatio(x)}×${cpuNote}`, met: lowerRatio(x) >= min };
}

export const httpClientsSuite: Suite = {
  name: 'http-clients',
  title: 'HTTP clients on loopback',
  method: [
    'A raw `net` server in its own process answers every request with a canned HTTP/1.1 keep-alive response',
    '(`apps/bench/src/target/canned-server.ts`), so it is not the bottleneck; with `taskset` the client runs on core 0',
    'and the server on core 1. Every client gets the same connection settings: keep-alive, at most',
    '`BENCH_CONNECTIONS` sockets (Courier `createClient({ policy: { connections } })`, an undici `Pool` for',
    '`undici.request` and undici `fetch`, an `http.Agent({ keepAlive: true, maxSockets })` for got 14, axios and',
    'node:http) and otherwise its defaults, and reads every body whole into memory (the length is checked).',
    'Load is closed-loop: `BENCH_INFLIGHT` loops each keep one request in flight for `BENCH_DURATION_MS`, after',
    '`BENCH_WARMUP_MS` of unmeasured load on the same (fresh) client. Clients run in interleaved rounds',
    '(A B C … then B C … A), a full GC between measurements; req/s is the median of the rounds, and',
    '`× undici.request` prints the median of the per-round ratios, then in brackets the ratio of the medians (a',
    'target counts as met only when both meet it). `CPU µs/req` is the client process\'s CPU time per request and',
    '`× undici.request by CPU` the same two figures for those costs (> 1 = cheaper than undici.request):',
    'on a shared machine it moves less than req/s when the client is descheduled. `client CPU` / `server CPU` are',
    'shares of one core (a client well under 100 % was waiting for a core); `new sockets` is the most TCP',
    'connections the server accepted during one measured window (keep-alive: 0). Targets are judged on req/s.',
    'Every client runs as compiled JavaScript in the bench process (tsx compiles the TypeScript sources with',
    'esbuild when they load; the other clients are their published builds).',
  ].join('\n'),

  async run(ctx) {
    const variants: Variant[] = [];
    for (const size of bodySizes) {
      for (const client of clientNames) {
        if (!ctx.selects(`${size.table} ${client}`)) continue;
        variants.push({ table: size.table, client, bytes: size.bytes, reqPerSec: [], clientCpu: [], serverCpu: [], cpuMicrosPerRequest: [], opened: [] });
      }
    }
    if (variants.length === 0) return [];
    const target = await startTarget({ listeners: 1, core: ctx.serverCore });
    try {
      const origin = `http://127.0.0.1:${target.ports[0]}`;
      for (let round = 0; round < ctx.settings.rounds; round++) {
        ctx.log(`round ${round + 1}/${ctx.settings.rounds}`);
        // Rotate the order every round so no client always follows the same one.
        const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
        for (const v of order) {
          await measure(ctx, target, origin, v);
          await ctx.collectGarbage();
        }
      }
    } finally {
      await target.stop();
    }
    return toRows(variants);
  },

  verdicts(rows) {
    const out: Verdict[] = [];
    for (const { table, minVsUndici } of bodySizes) {
      out.push(ratioVerdict(rows, table, 'undici.request', minVsUndici));
      out.push(ratioVerdict(rows, table, 'got', 2));
      out.push(ratioVerdict(rows, table, 'axios', 2));
    }
    return out;
  },
};
