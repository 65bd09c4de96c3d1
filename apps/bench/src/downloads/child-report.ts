// What both Courier children of the downloads suite (courier-download-main.ts,
// worker-download-main.ts) do around their download: refuse to run without the parent's IPC
// channel, read the job, measure, and send one message back (protocol.ts).
import { isCourierError } from '@courier/origin';
import type { CourierJob, FromCourierChild } from './protocol.ts';

function send(message: FromCourierChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

/** The job from argv[2]; exits when there is no parent to answer (see courier-child.ts). */
export function readJob(entry: string): CourierJob {
  if (!process.send) {
    console.error(`${entry} must be started with an IPC channel (see courier-child.ts)`);
    process.exit(2);
  }
  return JSON.parse(process.argv[2] ?? '{}') as CourierJob;
}

/**
 * Runs `download`, timed from the call to its resolution, and reports the figures with the
 * process's peak RSS (start-up included) — or what failed, with its CourierError code.
 */
export async function measureAndReport(download: () => Promise<{ bytes: number; sha256: string }>): Promise<void> {
  try {
    const startRssBytes = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const result = await download();
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
  }
}
