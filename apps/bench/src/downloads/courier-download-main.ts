// Entry of the Courier side of the downloads suite (bundled by child-bundle.ts, spawned per round
// by courier-child.ts): one `download()` with the expected SHA-256, timed from the call to its
// resolution, then the process's peak RSS. A child of its own so its RSS is the download's, not
// the bench's.
import { createClient, isCourierError } from '@courier/origin';
import { download } from '@courier/download';
import type { CourierJob, FromCourierChild } from './protocol.ts';

function send(message: FromCourierChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

if (!process.send) {
  console.error('courier-download-main must be started with an IPC channel (see courier-child.ts)');
  process.exit(2);
}

const job = JSON.parse(process.argv[2] ?? '{}') as CourierJob;
const client = createClient();
try {
  const startRssBytes = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const result = await download(client, job.url, job.dst, { sha256: job.sha256, size: job.size, resume: false });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  await send({
    type: 'done',
    elapsedMs,
    bytes: result.bytes,
    sha256: result.sha256,
    // resourceUsage().maxRSS is in KiB.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    startRssBytes,
    cpuMicros: cpu.user + cpu.system,
  });
} catch (error) {
  await send({ type: 'failed', code: isCourierError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
} finally {
  await client.destroy();
  process.disconnect();
}
