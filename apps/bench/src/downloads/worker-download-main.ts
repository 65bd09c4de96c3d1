// Entry of the worker side of the downloads suite (compiled by child-bundle.ts, spawned per round
// by courier-child.ts): the real worker library — `startWorkerProcess` with its configuration
// from the environment, its logger, queue worker, job handlers and origin limits — on the
// in-memory queue, given one download job with the expected SHA-256. Timed from the enqueue to
// the job's completion; then the process's peak RSS, which is what an operator's worker pays for
// a large download, not only a bare `download()`.
import path from 'node:path';
import { CourierError } from '@courier/origin';
import { MemoryDriver } from '@courier/queue';
import { loadWorkerConfig, startWorkerProcess } from '@courier/worker';
import { measureAndReport, readJob } from './child-report.ts';

const job = readJob('worker-download-main');
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
  await measureAndReport(async () => {
    const [enqueued] = await queue.enqueue([{ kind: 'download', url: job.url, dst: path.basename(job.dst), sha256: job.sha256, size: job.size }], { attempts: 1 });
    const record = await queue.wait(enqueued!.id, job.timeoutMs);
    if (record?.state === 'completed' && record.result?.kind === 'download') return record.result;
    if (record?.error) throw new CourierError(record.error.code, record.error.message);
    throw new Error(`the download job is ${record?.state ?? 'gone'} after ${job.timeoutMs} ms`);
  });
} finally {
  await worker.stop('bench round done');
  await queue.close();
  process.disconnect();
}
