import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@courier/origin';
import { runRequestJob, type RequestJob } from '@courier/queue';
import { request } from 'undici';
import { Redis } from 'ioredis';
import { processCpuMicros, processCpuSplit, processSyscalls } from '../queue-e2e/process-cpu.ts';
import { componentTimes, inclusiveTimes, type CpuProfile, type FrameMatcher } from '../queue-e2e/profile-groups.ts';
import { commandDelta, commandStats, redisIo, type CommandStats, type RedisIo } from '../queue-e2e/redis-commands.ts';
import { CONTENDED, CONTENDED_LIMIT, CONTENDED_ORIGINS, contendedJobs, contendedMethod } from '../queue-e2e/contended.ts';
import { BATCH, courierBenchQueue, plainBenchQueue, type BenchQueue } from '../queue-e2e/queues.ts';
import { startBenchRedis } from '../queue-e2e/redis-server.ts';
import { measureRecordShapes } from '../queue-e2e/record-shapes.ts';
import { profiled } from '../queue-e2e/self-profile.ts';
import { compileWorkerEntry, startWorkerChild, type WorkerChild } from '../queue-e2e/worker-process.ts';
import type { WorkerKind } from '../queue-e2e/worker-protocol.ts';
import { lowerRatio, median, ratio as ratioOf, showRatio, type Ratio } from '../stats.ts';
import { SettingsError } from '../settings.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';
import { startTarget, type TargetProcess } from '../target/target-process.ts';

const RUN_TABLE = 'jobs run end to end (one worker process, same Redis, same target)';
const ENQUEUE_TABLE = `enqueue (batches of ${BATCH.toLocaleString('en-US')}, queue paused)`;
const WORKER_PROFILE_TABLE = 'where the worker\'s time goes, sampled µs per job (one profiled round of each)';
const ENQUEUE_PROFILE_TABLE = 'where the producer\'s time goes, sampled µs per job (one profiled fill of each)';
const WORKER_HOTSPOTS_TABLE = 'worker hot spots, inclusive sampled µs per job (same profiles; synchronous stacks)';
const PRODUCER_HOTSPOTS_TABLE = 'producer hot spots, inclusive sampled µs per job (same profiles; synchronous stacks)';
const COMMANDS_TABLE = 'Redis commands per job while the workers run (INFO commandstats, all rounds)';
const RECORDS_TABLE = 'what the job records alone cost: one BullMQ Worker in the bench process, no HTTP, a canned result per job';
const PREFIX = 'courier-bench';
const BODY_BYTES = 64;
/** Jobs per round per millisecond of `BENCH_DURATION_MS` (≈ 1–2 s of work per round at the rates seen here). */
const JOBS_PER_MS = 4;
/** Components under this share of the profile are summed into one `other` line. */
const MIN_SHARE = 0.015;

interface System {
  label: string;
  kind: WorkerKind;
  /** Courier only: the fleet-wide per-origin concurrency (0 = no limit, no Lua scripts per job). */
  originConcurrency?: number;
  /** Courier only: jobs interleaved over this many origins (the contended row) instead of one. */
  origins?: number;
  /** Courier only: enqueue as batch jobs (`{ batch: true }`: up to 100 requests per BullMQ job). */
  batch?: boolean;
  /** A baseline Courier: the compiled worker entry of another checkout (`BENCH_BASELINE_WORKER`), and its name. */
  baseline?: { entry: string; name: string };
}

const LIMIT_ON = 'courier worker, fleet limit on';
const LIMIT_OFF = 'courier worker, fleet limit off';
/** The commands table's last row: evalsha per job with the fleet limit on, less those with it off. */
const LIMIT_SCRIPTS = 'fleet-limit scripts (evalsha, limit on − limit off)';
const BATCH_JOBS = 'courier worker, batch jobs';
const PLAIN = 'BullMQ Worker + undici.request';
const COURIER_ENQUEUE = 'courier queue.enqueue';
const COURIER_BATCH_ENQUEUE = 'courier queue.enqueue, batch jobs';
/** Issue 16's targets for batch jobs against the plain worker (one request per job), same worker count. */
const BATCH_MIN_SPEEDUP = 3;
const BATCH_MAX_REDIS_SHARE = 1 / 3;
const ENQUEUE_MIN_RATIO = 0.9;
const PLAIN_ENQUEUE = 'BullMQ Queue.addBulk';

interface Figures {
  jobsPerSec: number[];
  enqueuePerSec: number[];
  workerCpuPerJob: number[];
  redisCpuPerJob: number[];
  producerCpuPerJob: number[];
  sockets: number[];
  redisCallsPerJob: number[];
  /** The worker process's read and write system calls per job (socket reads and writes, mostly). */
  workerReadsPerJob: number[];
  workerWritesPerJob: number[];
  /** The worker's kernel (system) CPU time per job, µs (/proc, 10 ms ticks): socket reads and writes, wake-ups. */
  workerSysPerJob: number[];
  /** Redis's socket reads per job and bytes in + out per job (`INFO stats`). */
  redisReadsPerJob: number[];
  redisBytesPerJob: number[];
  /** Redis commands during the drains of every round, summed, and the jobs they ran. */
  commands: CommandStats;
  jobs: number;
}

interface Running {
  system: System;
  queue: BenchQueue;
  worker: WorkerChild;
  figures: Figures;
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const range = (xs: number[]): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

/** Where a Courier worker writes results, and its client's per-origin policy file (`COURIER_CONFIG`). */
interface CourierFiles {
  resultsDir: string;
  policyFile: string;
}

async function startSystem(system: System, workerEntry: string, redisUrl: string, target: { url: string; ports: readonly number[] }, concurrency: number, files: CourierFiles, runId: string, spread: boolean): Promise<Running> {
  const targetUrl = target.url;
  const name = `e2e-${runId}-${system.kind}-${system.originConcurrency ?? 'x'}${system.origins ? `-${system.origins}` : ''}${system.batch ? '-batch' : ''}${system.baseline ? '-baseline' : ''}`;
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    COURIER_QUEUE_PREFIX: PREFIX,
    COURIER_QUEUE_NAME: name,
    COURIER_CONCURRENCY: String(concurrency),
  };
  let queue: BenchQueue;
  if (system.kind === 'courier') {
    Object.assign(env, {
      COURIER_WORKER_ID: `bench-${name}`,
      COURIER_ALLOW_DESTINATIONS: 'loopback',
      COURIER_ORIGIN_CONCURRENCY: String(system.originConcurrency ?? 0),
      COURIER_RESULTS_DIR: files.resultsDir,
      COURIER_CONFIG: files.policyFile,
      LOG_LEVEL: 'warn',
    });
    // The same job as the plain side's `{ url }`: a GET of the URL (GET is the default method).
    const job: RequestJob = { kind: 'request', url: targetUrl };
    queue = await courierBenchQueue(redisUrl, PREFIX, name, system.origins ? contendedJobs(target.ports.slice(1), new URL(targetUrl).pathname) : job, system.batch === true);
  } else {
    queue = await plainBenchQueue(redisUrl, PREFIX, name, { url: targetUrl });
  }
  try {
    const worker = await startWorkerChild(workerEntry, system.kind, env, spread);
    return { system, queue, worker, figures: { jobsPerSec: [], enqueuePerSec: [], workerCpuPerJob: [], redisCpuPerJob: [], producerCpuPerJob: [], sockets: [], redisCallsPerJob: [], workerReadsPerJob: [], workerWritesPerJob: [], workerSysPerJob: [], redisReadsPerJob: [], redisBytesPerJob: [], commands: new Map(), jobs: 0 } };
  } catch (error) {
    await queue.close();
    throw error;
  }
}

interface RoundResult {
  fillMs: number;
  drainMs: number;
  producerCpu: number;
  workerCpu: number;
  redisCpu: number | null;
  sockets: number;
  commands: CommandStats;
  /** The worker's read and write system calls during the drain; null where /proc/<pid>/io can't be read. */
  workerSyscalls: { reads: number; writes: number } | null;
  redisIo: RedisIo;
  /** The worker's system CPU time during the drain, µs; null where /proc can't be read. */
  workerSys: number | null;
}

/** One round: fill the paused queue with `jobs`, release it, wait for every job to complete, clean up. */
async function round(r: Running, target: TargetProcess, redis: { pid: number | null; stats: Redis }, jobs: number): Promise<RoundResult> {
  const producerBefore = process.cpuUsage();
  const fillMs = await r.queue.fill(jobs);
  const producer = process.cpuUsage(producerBefore);
  const redisCpu = (): Promise<number | null> => (redis.pid === null ? Promise.resolve(null) : processCpuMicros(redis.pid));
  const [workerBefore, redisBefore, targetBefore, commandsBefore, syscallsBefore, ioBefore] = await Promise.all([r.worker.cpuMicros(), redisCpu(), target.stats(), commandStats(redis.stats), processSyscalls(r.worker.pid), redisIo(redis.stats)]);
  const splitBefore = await processCpuSplit(r.worker.pid);
  const drainMs = await r.queue.drain(jobs);
  const [workerAfter, redisAfter, targetAfter, commandsAfter, syscallsAfter, ioAfter] = await Promise.all([r.worker.cpuMicros(), redisCpu(), target.stats(), commandStats(redis.stats), processSyscalls(r.worker.pid), redisIo(redis.stats)]);
  const splitAfter = await processCpuSplit(r.worker.pid);
  await r.queue.reset();
  return {
    fillMs,
    drainMs,
    producerCpu: producer.user + producer.system,
    workerCpu: workerAfter - workerBefore,
    redisCpu: redisBefore === null || redisAfter === null ? null : redisAfter - redisBefore,
    sockets: targetAfter.connections - targetBefore.connections,
    commands: commandDelta(commandsBefore, commandsAfter),
    workerSys: splitBefore && splitAfter ? splitAfter.system - splitBefore.system : null,
    redisIo: { reads: ioAfter.reads - ioBefore.reads, writes: ioAfter.writes - ioBefore.writes, bytesIn: ioAfter.bytesIn - ioBefore.bytesIn, bytesOut: ioAfter.bytesOut - ioBefore.bytesOut },
    workerSyscalls: syscallsBefore && syscallsAfter ? { reads: syscallsAfter.reads - syscallsBefore.reads, writes: syscallsAfter.writes - syscallsBefore.writes } : null,
  };
}

function record(ctx: BenchContext, r: Running, m: RoundResult, jobs: number): void {
  const f = r.figures;
  f.jobsPerSec.push((jobs * 1000) / m.drainMs);
  f.enqueuePerSec.push((jobs * 1000) / m.fillMs);
  f.workerCpuPerJob.push(m.workerCpu / jobs);
  f.producerCpuPerJob.push(m.producerCpu / jobs);
  if (m.redisCpu !== null) f.redisCpuPerJob.push(m.redisCpu / jobs);
  f.sockets.push(m.sockets);
  let calls = 0;
  for (const [name, c] of m.commands) {
    calls += c.calls;
    const sum = f.commands.get(name) ?? { calls: 0, usec: 0 };
    f.commands.set(name, { calls: sum.calls + c.calls, usec: sum.usec + c.usec });
  }
  f.jobs += jobs;
  f.redisCallsPerJob.push(calls / jobs);
  f.redisReadsPerJob.push(m.redisIo.reads / jobs);
  if (m.workerSys !== null) f.workerSysPerJob.push(m.workerSys / jobs);
  f.redisBytesPerJob.push((m.redisIo.bytesIn + m.redisIo.bytesOut) / jobs);
  if (m.workerSyscalls) {
    f.workerReadsPerJob.push(m.workerSyscalls.reads / jobs);
    f.workerWritesPerJob.push(m.workerSyscalls.writes / jobs);
  }
  ctx.log(
    `${r.system.label.padEnd(32)} ${fmt(f.jobsPerSec.at(-1)!).padStart(6)} jobs/s (enqueue ${fmt(f.enqueuePerSec.at(-1)!)}/s; ` +
      `worker ${fmt(f.workerCpuPerJob.at(-1)!)} µs CPU/job, Redis ${m.redisCpu === null ? '–' : fmt(m.redisCpu / jobs)} µs/job)`,
  );
}

/** Short column names of the systems in the profile tables. */
function shortName(system: System): string {
  if (system.kind === 'plain') return 'plain';
  if (system.origins) return 'contended';
  if (system.batch) return 'batch';
  const limit = system.originConcurrency ? 'limit on' : 'limit off';
  return system.baseline ? `${system.baseline.name} ${limit}` : limit;
}

/**
 * `BENCH_BASELINE_WORKER`: the compiled worker entry of another checkout of Courier (built by
 * `apps/bench/scripts/baseline-worker.sh <git-ref>`), run beside today's workers in the same
 * rounds, so "within 5 % of the code at <ref>" is a ratio measured in one run, on one machine,
 * rather than a comparison with figures recorded on another day (the hosts here vary by 2×).
 * `BENCH_BASELINE_NAME` names it in the tables (default `baseline`; the script prints the ref's short hash).
 */
function baselineSystems(inFlight: number, env: NodeJS.ProcessEnv = process.env): System[] {
  const entry = env['BENCH_BASELINE_WORKER']?.trim();
  if (!entry) return [];
  if (!existsSync(entry)) throw new SettingsError(`BENCH_BASELINE_WORKER: no such file ${JSON.stringify(entry)} (build it with apps/bench/scripts/baseline-worker.sh <git-ref>)`);
  const name = env['BENCH_BASELINE_NAME']?.trim() || 'baseline';
  return [
    { label: `${LIMIT_ON} at ${name}`, kind: 'courier', originConcurrency: inFlight, baseline: { entry, name } },
    { label: `${LIMIT_OFF} at ${name}`, kind: 'courier', originConcurrency: 0, baseline: { entry, name } },
  ];
}

interface ProfiledRound {
  system: System;
  producer: CpuProfile;
  worker: CpuProfile;
  /** CPU time of the bench process during the fill and of the worker during the drain, in microseconds. */
  producerCpuMicros: number;
  workerCpuMicros: number;
}

interface ProfileSide {
  profile(p: ProfiledRound): CpuProfile;
  cpuMicros(p: ProfiledRound): number;
}
const workerSide: ProfileSide = { profile: (p) => p.worker, cpuMicros: (p) => p.workerCpuMicros };
const producerSide: ProfileSide = { profile: (p) => p.producer, cpuMicros: (p) => p.producerCpuMicros };

/** Components of several profiles side by side, in sampled µs per job; the small ones summed into `other`. */
function compareRows(table: string, rounds: readonly ProfiledRound[], side: ProfileSide, jobs: number): BenchRow[] {
  const times = rounds.map((p) => componentTimes(side.profile(p)));
  const perJob = (ms: number | undefined): number => ((ms ?? 0) * 1000) / jobs;
  const names = [...new Set(times.flatMap((t) => t.components.map((c) => c.component)))];
  const lines = names.map((name) => {
    const found = times.map((t) => t.components.find((c) => c.component === name));
    return { name, values: found.map((c) => perJob(c?.ms)), big: found.some((c) => (c?.share ?? 0) >= MIN_SHARE) };
  });
  const shown = lines.filter((l) => l.big).sort((a, b) => b.values[0]! - a.values[0]!);
  const rest = lines.filter((l) => !l.big);
  if (rest.length > 0) {
    shown.push({ name: `other (${rest.length} components, each under ${(MIN_SHARE * 100).toFixed(1)} %)`, values: times.map((_, i) => rest.reduce((sum, l) => sum + l.values[i]!, 0)), big: false });
  }
  shown.push({ name: 'total sampled while not idle', values: times.map((t) => perJob(t.busyMs)), big: true });
  shown.push({ name: 'measured CPU of the process (process.cpuUsage)', values: rounds.map((p) => side.cpuMicros(p) / jobs), big: true });
  return shown.map((l) => ({
    table,
    label: l.name,
    value: l.values[0]!,
    unit: `µs/job (${shortName(rounds[0]!.system)})`,
    rounds: [l.values[0]!],
    columns: Object.fromEntries(rounds.slice(1).map((p, i) => [`${shortName(p.system)} µs/job`, l.values[i + 1]!.toFixed(1)])),
  }));
}

/** Frames worth a figure of their own on the worker side (libs/queue's steps, and what they pull in). */
const workerHotspots: FrameMatcher[] = [
  { label: 'BullMQ moveToFinished (stores the result, fetches the next job)', functions: ['moveToFinished'], file: 'bullmq' },
  { label: 'queue runRequestJob (request, body, result)', functions: ['runRequestJob'], file: 'libs/queue' },
  { label: 'queue storeBody (for await, inline base64 or spill to file)', functions: ['storeBody'], file: 'libs/queue' },
  { label: 'origin client.request (actor, undici dispatch)', functions: ['request'], file: 'libs/origin/' },
  { label: 'node AbortSignal / DOMException (pipeline finish, per-attempt AbortController)', functions: ['DOMException', 'createAbortSignal'] },
  { label: 'queue fleet limit acquire (acquireSlot script)', functions: ['acquire'], file: 'limits/origin-limiter' },
  { label: 'queue fleet limit release (releaseLease script, pops a parked job in the same call)', functions: ['release'], file: 'limits/origin-limiter' },
  { label: 'queue fleet state heartbeat (1 / s)', functions: ['beat'], file: 'fleet-state' },
  { label: 'garbage collection', functions: ['(garbage collector)'] },
];

const producerHotspots: FrameMatcher[] = [
  { label: 'queue prepareJobs (validation, credentials split, ids, hash)', functions: ['prepareJobs'], file: 'libs/queue' },
  { label: 'queue parseJob (zod schema)', functions: ['parseJob'], file: 'libs/queue' },
  { label: 'queue payloadHash (stable JSON + SHA-256)', functions: ['payloadHash'], file: 'libs/queue' },
  { label: 'garbage collection', functions: ['(garbage collector)'] },
];

/** Hot spots of several profiles side by side (inclusive, sampled µs per job). */
function hotspotRows(table: string, matchers: readonly FrameMatcher[], rounds: readonly ProfiledRound[], side: ProfileSide, jobs: number): BenchRow[] {
  const times = rounds.map((p) => inclusiveTimes(side.profile(p), matchers));
  const perJob = (ms: number): number => (ms * 1000) / jobs;
  return matchers.map((m, i) => ({
    table,
    label: m.label,
    value: perJob(times[0]![i]!.ms),
    unit: `µs/job (${shortName(rounds[0]!.system)})`,
    rounds: [perJob(times[0]![i]!.ms)],
    columns: Object.fromEntries(rounds.slice(1).map((p, k) => [`${shortName(p.system)} µs/job`, perJob(times[k + 1]![i]!.ms).toFixed(1)])),
  }));
}

/** One more round of `r` under the profiler: the producer in this process during the fill, the worker in its process during the drain. */
async function profileRound(ctx: BenchContext, r: Running, jobs: number, dir: string): Promise<ProfiledRound> {
  await ctx.collectGarbage();
  const producerBefore = process.cpuUsage();
  const { profile: producer } = await profiled(() => r.queue.fill(jobs));
  const producerCpu = process.cpuUsage(producerBefore);
  const path = join(dir, `${r.worker.kind}-${r.worker.pid}.cpuprofile`);
  await r.worker.profileStart();
  const workerBefore = await r.worker.cpuMicros();
  const drainMs = await r.queue.drain(jobs);
  const workerCpuMicros = (await r.worker.cpuMicros()) - workerBefore;
  await r.worker.profileStop(path);
  await r.queue.reset();
  const worker = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  ctx.log(`profiled round, ${r.system.label}: ${jobs} jobs in ${drainMs.toFixed(0)} ms`);
  return { system: r.system, producer, worker, producerCpuMicros: producerCpu.user + producerCpu.system, workerCpuMicros };
}

/** The profile tables: one profiled round of every system, side by side. */
async function profileRows(ctx: BenchContext, running: readonly Running[], jobs: number): Promise<BenchRow[]> {
  // `BENCH_QUEUE_PROFILES=<dir>` keeps the worker profiles there (open them in Chrome DevTools).
  const keep = process.env['BENCH_QUEUE_PROFILES'];
  const dir = keep ? keep : await mkdtemp(join(tmpdir(), 'courier-bench-profile-'));
  try {
    const rounds: ProfiledRound[] = [];
    for (const r of running) rounds.push(await profileRound(ctx, r, jobs, dir));
    return [
      ...compareRows(WORKER_PROFILE_TABLE, rounds, workerSide, jobs),
      ...hotspotRows(WORKER_HOTSPOTS_TABLE, workerHotspots, rounds, workerSide, jobs),
      ...compareRows(ENQUEUE_PROFILE_TABLE, rounds, producerSide, jobs),
      ...hotspotRows(PRODUCER_HOTSPOTS_TABLE, producerHotspots, rounds, producerSide, jobs),
    ];
  } finally {
    if (keep) ctx.log(`worker profiles kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The records table (see record-shapes.ts): the plain worker's records and Courier's, each with a
 * real result of its kind taken once from the target, drained by the same BullMQ Worker.
 */
async function recordRows(ctx: BenchContext, redis: { url: string; pid: number | null }, targetUrl: string, resultsDir: string, runId: string, concurrency: number, jobs: number, warmJobs: number): Promise<BenchRow[]> {
  const res = await request(targetUrl);
  const plainResult = { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  const client = createClient();
  const job: RequestJob = { kind: 'request', url: targetUrl };
  const courierResult = await runRequestJob(client, { id: 'records', input: job, attempt: 1, signal: new AbortController().signal }, { workerId: `bench-e2e-${runId}-courier-0`, resultsDir, inlineBodyBytes: 64 * 1024 }).finally(() => client.close());
  const plainName = `records-${runId}-plain`;
  const courierName = `records-${runId}-courier`;
  const plainQueue = await plainBenchQueue(redis.url, PREFIX, plainName, { url: targetUrl });
  const courierQueue = await courierBenchQueue(redis.url, PREFIX, courierName, job);
  try {
    return await measureRecordShapes(
      [
        { label: 'plain records (BullMQ ids, `{ url }`, plain result)', queue: plainQueue, name: plainName, prefix: PREFIX, result: plainResult },
        { label: 'Courier records (its ids, data, options and result)', queue: courierQueue, name: courierName, prefix: PREFIX, result: courierResult },
      ],
      redis,
      { concurrency, jobs, warmJobs, rounds: ctx.settings.rounds, table: RECORDS_TABLE, log: (line) => ctx.log(line) },
    );
  } finally {
    await plainQueue.close();
    await courierQueue.close();
  }
}

/** Redis commands per job for each system (a command shown when any system makes ≥ 0.01 per job). */
function commandRows(running: Running[]): BenchRow[] {
  const names = [...new Set(running.flatMap((r) => [...r.figures.commands.keys()]))];
  const perJob = (r: Running, name: string): number => (r.figures.commands.get(name)?.calls ?? 0) / Math.max(1, r.figures.jobs);
  const usecPerCall = (r: Running, name: string): number => {
    const c = r.figures.commands.get(name);
    return c && c.calls > 0 ? c.usec / c.calls : Number.NaN;
  };
  const rows: BenchRow[] = names
    .filter((name) => running.some((r) => perJob(r, name) >= 0.01))
    .sort((a, b) => perJob(running[0]!, b) - perJob(running[0]!, a))
    .map((name) => ({
      table: COMMANDS_TABLE,
      label: name,
      value: perJob(running[0]!, name),
      unit: 'calls/job',
      rounds: [perJob(running[0]!, name)],
      columns: Object.fromEntries(
        running.flatMap((r) => [
          [`${r.system.label}`, perJob(r, name).toFixed(2)],
          [`µs/call (${shortName(r.system)})`, Number.isNaN(usecPerCall(r, name)) ? '–' : usecPerCall(r, name).toFixed(1)],
        ]),
      ),
    }));
  // What the fleet limit's Lua scripts cost per job, measured rather than assumed: a finished job's
  // slot lingers for the worker's next job to the origin, so acquire/release run for few jobs.
  const on = running.find((r) => r.system.label === LIMIT_ON);
  const off = running.find((r) => r.system.label === LIMIT_OFF);
  if (on && off) {
    const extra = perJob(on, 'evalsha') - perJob(off, 'evalsha');
    const contended = running.find((r) => r.system.origins);
    const columns: Record<string, string> = { [LIMIT_ON]: extra.toFixed(2) };
    if (contended) columns[contended.system.label] = (perJob(contended, 'evalsha') - perJob(off, 'evalsha')).toFixed(2);
    rows.push({ table: COMMANDS_TABLE, label: LIMIT_SCRIPTS, value: extra, unit: 'calls/job', rounds: [extra], columns });
  }
  return rows;
}

function runRows(running: Running[]): BenchRow[] {
  const plain = running.find((r) => r.system.label === PLAIN);
  return running.map(({ system, figures: f }) => {
    const x = plain ? ratioOf(f.jobsPerSec, plain.figures.jobsPerSec) : null;
    const byCpu = plain ? ratioOf(plain.figures.workerCpuPerJob, f.workerCpuPerJob) : null;
    return {
      table: RUN_TABLE,
      label: system.label,
      value: median(f.jobsPerSec),
      unit: 'jobs/s',
      rounds: f.jobsPerSec,
      columns: {
        'min–max': range(f.jobsPerSec),
        '× plain': showRatio(x),
        'worker CPU µs/job': fmt(median(f.workerCpuPerJob)),
        'of it kernel': f.workerSysPerJob.length > 0 ? fmt(median(f.workerSysPerJob)) : '–',
        '× plain by worker CPU': showRatio(byCpu),
        'Redis CPU µs/job': f.redisCpuPerJob.length > 0 ? fmt(median(f.redisCpuPerJob)) : '–',
        '× plain by Redis CPU/job': plain && f.redisCpuPerJob.length > 0 && plain.figures.redisCpuPerJob.length > 0 ? showRatio(ratioOf(f.redisCpuPerJob, plain.figures.redisCpuPerJob)) : '–',
        'Redis calls/job': median(f.redisCallsPerJob).toFixed(1),
        'Redis reads/job': median(f.redisReadsPerJob).toFixed(2),
        'Redis bytes/job': fmt(median(f.redisBytesPerJob)),
        'worker reads/writes per job': f.workerWritesPerJob.length > 0 ? `${median(f.workerReadsPerJob).toFixed(1)} / ${median(f.workerWritesPerJob).toFixed(1)}` : '–',
        'sockets opened': String(Math.max(...f.sockets)),
      },
      series: { workerCpuPerJob: f.workerCpuPerJob, redisCpuPerJob: f.redisCpuPerJob },
    };
  });
}

function enqueueRows(running: Running[]): BenchRow[] {
  const courier = running.find((r) => r.system.label === LIMIT_ON) ?? running.find((r) => r.system.kind === 'courier' && !r.system.batch);
  const plain = running.find((r) => r.system.label === PLAIN);
  const rows: BenchRow[] = [];
  const add = (label: string, f: Figures, x: Ratio | null): void => {
    rows.push({
      table: ENQUEUE_TABLE,
      label,
      value: median(f.enqueuePerSec),
      unit: 'jobs/s',
      rounds: f.enqueuePerSec,
      columns: { 'min–max': range(f.enqueuePerSec), '× addBulk': showRatio(x), 'producer CPU µs/job': fmt(median(f.producerCpuPerJob)) },
    });
  };
  if (courier) add(COURIER_ENQUEUE, courier.figures, plain ? ratioOf(courier.figures.enqueuePerSec, plain.figures.enqueuePerSec) : null);
  const batch = running.find((r) => r.system.label === BATCH_JOBS);
  if (batch) add(COURIER_BATCH_ENQUEUE, batch.figures, plain ? ratioOf(batch.figures.enqueuePerSec, plain.figures.enqueuePerSec) : null);
  if (plain) add(PLAIN_ENQUEUE, plain.figures, { perRound: 1, ofMedians: 1 });
  return rows;
}

export const queueE2eSuite: Suite = {
  name: 'queue-e2e',
  title: 'Redis-fed workers end to end',
  method: [
    'One Redis (a private Debian `redis-server` on a free port, or `REDIS_URL`), the canned target server of',
    '`http-clients` (its own process, `/bytes/64`), and one worker process per system, each on a queue of its own,',
    'all with concurrency `BENCH_INFLIGHT`. With `BENCH_PIN` the target runs on core 1 and the bench process (the',
    'producer) on core 0; Redis and the workers get every core (`taskset`), as they would in a deployment. The',
    'workers run as compiled JavaScript, as the Docker image runs them: `npm run build` output, no tsx loader (whose',
    'run-time naming of every closure cost Courier ~8 µs of CPU per job):',
    `- *${LIMIT_ON}*: \`@courier/worker\`'s \`startWorkerProcess\` configured from the environment as \`npm run worker\``,
    '  is (destination policy allowing loopback, results dir, pino at `warn`, and a `COURIER_CONFIG` policy file giving',
    '  the client `connections: BENCH_INFLIGHT` per origin — the HTTP concurrency undici\'s global dispatcher has; the',
    '  default is 16), the fleet-wide per-origin limit set to',
    '  the concurrency, so it never holds a job back. Its Lua acquire/release scripts do not run for every job: a',
    '  finished job\'s slot lingers with its worker (`COURIER_LEASE_LINGER_MS`, 20 ms) and the next job to the same',
    '  origin takes it without a call to Redis, so in this steady stream most jobs reuse a lingering slot. The',
    `  commands table's last row, *${LIMIT_SCRIPTS}*, is how many script calls per job the limit added in these`,
    '  rounds; its `evalsha` row counts all of them per job, BullMQ\'s own scripts included;',
    `- *${LIMIT_OFF}*: the same with \`COURIER_ORIGIN_CONCURRENCY=0\` (no limit, no scripts);`,
    ...contendedMethod,
    `- *${PLAIN}*: a BullMQ \`Worker\` whose processor calls \`undici.request\` (global dispatcher, defaults),`,
    '  reads the body and returns status, headers and body.',
    '- *… at <ref>* (only with `BENCH_BASELINE_WORKER`): the same two Courier workers built from an older revision',
    '  (`eval "$(bash apps/bench/scripts/baseline-worker.sh <ref>)"`), fed by today\'s producer, in the same rounds;',
    '  the targets compare today\'s workers with them (≥ 0.95×: "within 5 % of the code at <ref>").',
    `Each round, per system: the queue is paused, N = ${JOBS_PER_MS} × \`BENCH_DURATION_MS\` jobs are enqueued in batches of`,
    `${BATCH.toLocaleString('en-US')} (Courier: \`createQueue({ redisUrl }).enqueue(batch)\`; plain: \`Queue.addBulk\`, with the same`,
    '`removeOnComplete`/`removeOnFail`), the queue is resumed and the clock runs until BullMQ counts N completed',
    '(polled every 5 ms), then completed jobs are cleaned. Systems rotate order each round, after an unmeasured',
    'warm-up round each; figures are medians; `× plain`, `× plain by worker CPU` and `× addBulk` print the median of',
    'the per-round ratios, then in brackets the ratio of the medians (a target counts as met only when both meet it).',
    '`worker CPU µs/job` is the',
    'worker process\'s CPU time (`process.cpuUsage`) per job (`of it kernel`: its system time, /proc), `Redis CPU µs/job` redis-server\'s (/proc), `sockets',
    'opened` the most TCP connections the target accepted in one round, `Redis calls/job` the commands Redis served',
    'during the drain (`INFO commandstats`; BullMQ\'s and Courier\'s Lua scripts are all `evalsha`; the bench\'s',
    'completion polling is the `zcard`s), `worker reads/writes per job` the worker\'s read and write system calls',
    '(/proc/<pid>/io: socket reads and writes to Redis and the target; each write on loopback also costs the',
    'kernel\'s TCP work in the worker\'s CPU time), `Redis reads/job` and `Redis bytes/job` what Redis read from its',
    'sockets and the bytes in and out (`INFO stats`: fewer commands per read cost Redis more CPU per command).',
    'The enqueue table times the fills. The records table takes the HTTP out: one BullMQ `Worker` in the bench process,',
    'whose processor returns a canned result, drains the plain worker\'s records (`addBulk`, BullMQ\'s numeric ids, the',
    'plain result) and Courier\'s (`enqueue`: random 20-character ids, Courier\'s data and options, a real Courier result',
    'record), interleaved for the same rounds; the difference is what Courier\'s records alone cost BullMQ and Redis.',
    'Then one more round of each system runs under V8\'s sampling profiler (250 µs): the producer profiled in the',
    'bench process during the fill, the worker in its process during the drain (main thread only). Every sample is',
    'charged to the nearest frame on its stack that belongs to a component (a package, or a libs/queue file by its',
    'job), so native work (socket writes, base64, JSON) counts for whoever called it; idle samples are left out;',
    'samples count the profile\'s mean interval each. Sampling is in wall time: a thread that is runnable but',
    'preempted is sampled where it stopped, so on a busy machine sampled µs exceed the measured CPU (the last row)',
    'and lean towards socket writes (a write wakes Redis or the target, which often takes the core). Read the',
    'columns against each other, not as CPU. The hot-spot tables give, from the same profiles, the time of samples',
    'with a given frame anywhere on their stack (synchronous stacks: code after an `await` is not under its caller).',
  ].join('\n'),

  async run(ctx) {
    const { settings } = ctx;
    const systems: System[] = [
      { label: LIMIT_ON, kind: 'courier', originConcurrency: settings.inFlight },
      { label: LIMIT_OFF, kind: 'courier', originConcurrency: 0 },
      { label: CONTENDED, kind: 'courier', originConcurrency: CONTENDED_LIMIT, origins: CONTENDED_ORIGINS },
      { label: BATCH_JOBS, kind: 'courier', originConcurrency: settings.inFlight, batch: true },
      { label: PLAIN, kind: 'plain' },
      ...baselineSystems(settings.inFlight),
    ];
    const enqueueLabel = (s: System): string => (s.kind === 'plain' ? PLAIN_ENQUEUE : s.batch ? COURIER_BATCH_ENQUEUE : COURIER_ENQUEUE);
    const wanted = systems.filter((s) => ctx.selects(`${RUN_TABLE} ${s.label}`) || ctx.selects(`${ENQUEUE_TABLE} ${enqueueLabel(s)}`));
    if (wanted.length === 0) return [];
    const jobs = Math.max(100, Math.min(settings.maxRequests, Math.round(settings.durationMs * JOBS_PER_MS)));
    const warmJobs = Math.max(50, Math.min(settings.maxRequests, Math.round(settings.warmupMs * JOBS_PER_MS)));
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
      ctx.log('compiling the worker children (npm run build of libs/worker, from the Nx cache when unchanged)');
      const workerEntry = await compileWorkerEntry();
      // Port 0 serves the one-origin rows; the contended row's origins are the next 200.
      const target = await startTarget({ listeners: 1 + (wanted.some((s) => s.origins) ? CONTENDED_ORIGINS : 0), core: ctx.serverCore });
      cleanups.push(() => target.stop());
      // When BENCH_PIN put this process on core 0, Redis and the workers get every core back.
      const spread = ctx.serverCore !== null;
      const redis = await startBenchRedis(spread);
      cleanups.push(() => redis.stop());
      const statsConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
      cleanups.push(() => statsConnection.quit());
      const resultsDir = await mkdtemp(join(tmpdir(), 'courier-bench-results-'));
      cleanups.push(() => rm(resultsDir, { recursive: true, force: true }));
      // The same HTTP concurrency on both sides: undici's global dispatcher opens a socket per
      // request in flight, Courier's client at most `connections` per origin (16 by default).
      const configDir = await mkdtemp(join(tmpdir(), 'courier-bench-config-'));
      cleanups.push(() => rm(configDir, { recursive: true, force: true }));
      const policyFile = join(configDir, 'origin-policy.json');
      await writeFile(policyFile, JSON.stringify({ policy: { connections: settings.inFlight } }));
      const targetUrl = `http://127.0.0.1:${target.ports[0]!}/bytes/${BODY_BYTES}`;
      const runId = randomUUID().slice(0, 8);
      const running: Running[] = [];
      for (const system of wanted) {
        const r = await startSystem(system, system.baseline?.entry ?? workerEntry, redis.url, { url: targetUrl, ports: target.ports }, settings.inFlight, { resultsDir, policyFile }, runId, spread);
        cleanups.push(() => r.queue.close());
        cleanups.push(() => r.worker.stop());
        running.push(r);
      }
      ctx.log(`${jobs.toLocaleString('en-US')} jobs per round, concurrency ${settings.inFlight}; warm-up ${warmJobs} jobs each`);
      for (const r of running) {
        await r.queue.fill(warmJobs);
        await r.queue.drain(warmJobs);
        await r.queue.reset();
      }
      for (let i = 0; i < settings.rounds; i++) {
        const order = running.map((_, k) => running[(k + i) % running.length]!);
        for (const r of order) {
          await ctx.collectGarbage();
          record(ctx, r, await round(r, target, { pid: redis.pid, stats: statsConnection }, jobs), jobs);
        }
      }
      const rows = [...runRows(running), ...enqueueRows(running), ...commandRows(running)];
      if (ctx.selects(`${RECORDS_TABLE} records`)) rows.push(...(await recordRows(ctx, redis, targetUrl, resultsDir, runId, settings.inFlight, jobs, warmJobs)));
      // The profile tables are today's code (a baseline's profile would be another build's frames), one origin.
      if (ctx.selects(`${WORKER_PROFILE_TABLE} profile`)) rows.push(...(await profileRows(ctx, running.filter((r) => !r.system.origins && !r.system.baseline), jobs)));
      return rows;
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => ctx.log(`cleanup failed: ${String(error)}`));
    }
  },

  verdicts(rows): Verdict[] {
    const run = (label: string) => rows.find((r) => r.table === RUN_TABLE && r.label === label);
    const compare = (label: string, base: string, floor: number): Verdict => {
      const courier = run(label);
      const other = run(base);
      const target = `${label} ≥ ${floor.toFixed(2)}× ${base}`;
      if (!courier || !other) return { target, measured: 'not measured', met: null };
      const x = ratioOf(courier.rounds, other.rounds);
      const byCpu = ratioOf(other.series?.['workerCpuPerJob'] ?? [], courier.series?.['workerCpuPerJob'] ?? []);
      return { target, measured: `${showRatio(x)}× (by worker CPU cost ${showRatio(byCpu)}×)`, met: lowerRatio(x) >= floor };
    };
    const verdicts = [LIMIT_ON, LIMIT_OFF].map((label) => compare(label, PLAIN, 1));
    // Issue 13's "benchmarks within 5 %": today's workers against the baseline build, same limit.
    for (const label of [LIMIT_ON, LIMIT_OFF]) {
      const base = rows.find((r) => r.table === RUN_TABLE && r.label.startsWith(`${label} at `));
      if (base) verdicts.push(compare(label, base.label, 0.95));
    }
    const plain = run(PLAIN);
    const batch = run(BATCH_JOBS);
    {
      const target = `${BATCH_JOBS} ≥ ${BATCH_MIN_SPEEDUP}× ${PLAIN} requests/s (same worker count)`;
      if (!batch || !plain) verdicts.push({ target, measured: 'not measured', met: null });
      else {
        const x = ratioOf(batch.rounds, plain.rounds);
        verdicts.push({ target, measured: `${showRatio(x)}×`, met: lowerRatio(x) >= BATCH_MIN_SPEEDUP });
      }
    }
    {
      const target = `${BATCH_JOBS}: Redis CPU per request ≤ ⅓ of ${PLAIN}'s`;
      const mine = batch?.series?.['redisCpuPerJob'] ?? [];
      const theirs = plain?.series?.['redisCpuPerJob'] ?? [];
      if (mine.length === 0 || theirs.length === 0) verdicts.push({ target, measured: 'not measured', met: null });
      else {
        // Both forms of the ratio must be at most ⅓: the larger of them is the one that counts.
        const x = ratioOf(mine, theirs);
        verdicts.push({ target, measured: `${showRatio(x)}× plain's`, met: Math.max(x.perRound, x.ofMedians) <= BATCH_MAX_REDIS_SHARE });
      }
    }
    const addBulk = rows.find((r) => r.table === ENQUEUE_TABLE && r.label === PLAIN_ENQUEUE);
    for (const label of [COURIER_ENQUEUE, COURIER_BATCH_ENQUEUE]) {
      const mine = rows.find((r) => r.table === ENQUEUE_TABLE && r.label === label);
      const target = `${label} ≥ ${ENQUEUE_MIN_RATIO}× ${PLAIN_ENQUEUE}`;
      if (!mine || !addBulk) verdicts.push({ target, measured: 'not measured', met: null });
      else {
        const x = ratioOf(mine.rounds, addBulk.rounds);
        verdicts.push({ target, measured: `${showRatio(x)}×`, met: lowerRatio(x) >= ENQUEUE_MIN_RATIO });
      }
    }
    return verdicts;
  },
};
