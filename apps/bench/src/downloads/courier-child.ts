import type { CourierJob, FromCourierChild } from './protocol.ts';
import { nextMessage, spawnCompiledEntry, stopChild } from '../processes.ts';

export type CourierMeasurement = Extract<FromCourierChild, { type: 'done' }>;

/**
 * One Courier download in a fresh child process running `bundle` (the compiled
 * courier-download-main.ts or worker-download-main.ts, see child-bundle.ts); throws what the child
 * reported if it failed.
 */
export async function courierDownload(bundle: string, job: CourierJob): Promise<CourierMeasurement> {
  const child = spawnCompiledEntry(bundle, [JSON.stringify(job)]);
  try {
    const answer = await nextMessage<FromCourierChild>(child, 'courier download', job.timeoutMs);
    if (answer.type === 'failed') throw new Error(`courier download failed: ${answer.code}: ${answer.message}`);
    return answer;
  } finally {
    // It exits by itself once it has answered (SIGKILL if it does not).
    await stopChild(child, () => {});
  }
}
