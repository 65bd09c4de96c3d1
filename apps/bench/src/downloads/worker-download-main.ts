// Entry of the worker side of the downloads suite (bundled by child-bundle.ts, spawned per round
// by courier-child.ts): the real worker library — `startWorkerProcess` with its configuration
// from the environment, its logger, queue worker, job handlers and origin limits — on the
// in-memory queue, given one download job with the expected SHA-256. Timed from the enqueue to
// the job's completion; then the process's peak RSS, which is what an operator's worker pays for
// a large download, not only a bare `download()`.
import { isCourierError } from '@courier/origin';
import { MemoryDriver } from '@courier/queue';
import { loadWorkerConfig, startWorkerProcess } from '@courier/worker';
import path from 'node:path';
import type { CourierJob, FromCourierChild } from './protocol.ts';

function send(message: FromCourierChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

if (!process.send) {
  console.error('worker-download-main must be started with an IPC channel (see courier-child.ts)');
  process.exit(2);
}

const job = JSON.parse(process.argv[2] ?? '{}') as CourierJob;
// The worker's own configuration, as `courier worker` reads it: only what the bench needs is set
// (the origin is on loopback; the file lands beside the other sides'; no log lines on the bench's output).
const config = loadWorkerConfig({
  ...process.env,
  COURIER_DOWNLOAD_ROOT: path.dirname(job.dst),
  COURIER_RESULTS_DIR: path.join(path.dirname(job.dst), 'results'),
  COURIER_ALLOW_DESTINATIONS: 'loopback',
  LOG_LEVEL: 'silent',
});
const queue = new MemoryDriver();
const worker = await startWorkerProcess(config, { queue });
try {
  const startRssBytes = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const [enqueued] = await queue.enqueue([{ kind: 'download', url: job.url, dst: path.basename(job.dst), sha256: job.sha256, size: job.size }], { attempts: 1 });
  const record = await queue.wait(enqueued!.id, job.timeoutMs);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  if (record?.state !== 'completed' || record.result?.kind !== 'download') {
    await send({ type: 'failed', code: record?.error?.code ?? 'TOTAL_TIMEOUT', message: record?.error?.message ?? `the download job is ${record?.state ?? 'gone'}` });
    process.exitCode = 1;
  } else {
    await send({
      type: 'done',
      elapsedMs,
      bytes: record.result.bytes,
      sha256: record.result.sha256,
      // resourceUsage().maxRSS is in KiB.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      startRssBytes,
      cpuMicros: cpu.user + cpu.system,
    });
  }
} catch (error) {
  await send({ type: 'failed', code: isCourierError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
} finally {
  await worker.stop('bench round done');
  await queue.close();
  process.disconnect();
}
