/**
 * Redis CPU per job, per node, on one Redis and on a 3-master cluster with 3 shards: the measured
 * basis of docs/scaling.md. No HTTP: a worker in this process whose handler returns a canned
 * result, the fleet limit on (2 per origin), jobs interleaved over 200 origins, so every job pays
 * the queue's whole Redis path (enqueue, BullMQ fetch/finish, acquire/release scripts, depth
 * ledger). Redis's CPU time comes from /proc. Prints a Markdown table.
 *
 *   node --conditions=@courier/source --import tsx test/cluster/scripts/shard-split.ts [jobs] [rounds]
 */
import { readFile } from 'node:fs/promises';
import { createQueue, type JobResult, type QueueDriver } from '@courier/queue';
import { startRedis, startRedisCluster } from '../../harness/index.ts';

const JOBS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const ORIGINS = 200;
const CONCURRENCY = 100;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const canned: JobResult = { kind: 'request', status: 200, statusText: 'OK', headers: {}, url: '', redirects: [], timings: { startedAt: 0, headersMs: 0, totalMs: 0 }, bodyBytes: 0, workerId: 'split' };

interface Figures {
  /** Redis CPU µs per job, per node: enqueue and run, less the node's idle CPU over the same time. */
  run: number[];
  /** Each node's CPU while the worker waits for jobs, µs per second (cluster bus, BullMQ's polling). */
  idle: number[];
  jobsPerSec: number;
}

const IDLE_MS = 3_000;

async function measure(queue: QueueDriver, pids: () => number[]): Promise<Figures> {
  const jobs = Array.from({ length: JOBS }, (_, i) => ({ url: `http://127.0.0.1:${20_000 + (i % ORIGINS)}/x?i=${i}` }));
  let done = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => (finished = resolve));
  const worker = queue.startWorker(
    async () => {
      if (++done === JOBS) finished();
      return canned;
    },
    { concurrency: CONCURRENCY, originLimits: { default: { concurrency: 2 } }, lockDurationMs: 30_000 },
  );
  const idleFrom = await Promise.all(pids().map(cpuMicros));
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const before = await Promise.all(pids().map(cpuMicros));
  const idle = before.map((c, i) => ((c - idleFrom[i]!) * 1000) / IDLE_MS);
  const started = performance.now();
  // The worker is running while the jobs go in, as in a fleet: enqueue and run are measured together.
  for (let at = 0; at < JOBS; at += 1_000) await queue.enqueue(jobs.slice(at, at + 1_000));
  await all;
  const seconds = (performance.now() - started) / 1000;
  const after = await Promise.all(pids().map(cpuMicros));
  await worker.close();
  return {
    run: after.map((c, i) => (c - before[i]! - idle[i]! * seconds) / JOBS),
    idle,
    jobsPerSec: JOBS / seconds,
  };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  const single = await startRedis();
  try {
    const results: Figures[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const queue = await createQueue({ redisUrl: single.url, prefix: `split-${r}`, events: false, maxDepth: 10_000_000 });
      results.push(await measure(queue, () => [single.pid()!]));
      await queue.close();
    }
    const run = median(results.map((f) => f.run[0]!));
    rows.push(`| one Redis, 1 queue | ${fmt(median(results.map((f) => f.jobsPerSec)))} | ${run.toFixed(0)} | – | – | ${run.toFixed(0)} | ${fmt(median(results.map((f) => f.idle[0]!)))} |`);
    // The same Redis with the queue in 3 shards: what sharding itself costs, apart from the cluster.
    const sharded: Figures[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const queue = await createQueue({ redisUrl: single.url, shards: 3, prefix: `split-sharded-${r}`, events: false, maxDepth: 10_000_000 });
      sharded.push(await measure(queue, () => [single.pid()!]));
      await queue.close();
    }
    const shardedRun = median(sharded.map((f) => f.run[0]!));
    rows.push(`| one Redis, 3 shards | ${fmt(median(sharded.map((f) => f.jobsPerSec)))} | ${shardedRun.toFixed(0)} | – | – | ${shardedRun.toFixed(0)} | ${fmt(median(sharded.map((f) => f.idle[0]!)))} |`);
  } finally {
    await single.stop();
  }

  const cluster = await startRedisCluster();
  try {
    const results: Figures[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const queue = await createQueue({ clusterNodes: cluster.seeds, shards: 3, prefix: `split-${r}`, events: false, maxDepth: 10_000_000 });
      results.push(await measure(queue, () => cluster.pids()));
      await queue.close();
    }
    const perNode = [0, 1, 2].map((n) => median(results.map((f) => f.run[n]!)));
    const total = median(results.map((f) => f.run.reduce((a, b) => a + b, 0)));
    const idle = [0, 1, 2].map((n) => fmt(median(results.map((f) => f.idle[n]!))));
    rows.push(`| 3-master cluster, 3 shards | ${fmt(median(results.map((f) => f.jobsPerSec)))} | ${perNode.map((v) => v.toFixed(0)).join(' | ')} | ${total.toFixed(0)} | ${idle.join(' / ')} |`);
  } finally {
    await cluster.stop();
  }
  console.log(`Redis CPU µs per job (enqueue + run, idle CPU taken out), ${JOBS.toLocaleString('en-US')} jobs over ${ORIGINS} origins, limit 2, median of ${ROUNDS} rounds\n`);
  console.log('| setup | jobs/s (one worker process, this machine) | node 1 µs/job | node 2 µs/job | node 3 µs/job | all nodes µs/job | idle µs/s per node |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
