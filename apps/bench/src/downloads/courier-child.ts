import { fileURLToPath } from 'node:url';
import type { CourierJob, FromCourierChild } from './protocol.ts';
import { exited, nextMessage, spawnNodeEntry } from './processes.ts';

const entry = fileURLToPath(new URL('./courier-download-main.ts', import.meta.url));
const EXIT_GRACE_MS = 10_000;

export type CourierMeasurement = Extract<FromCourierChild, { type: 'done' }>;

/** One Courier `download()` in a fresh child process; throws what the child reported if it failed. */
export async function courierDownload(job: CourierJob, timeoutMs: number): Promise<CourierMeasurement> {
  const child = spawnNodeEntry(entry, [JSON.stringify(job)]);
  try {
    const answer = await nextMessage<FromCourierChild>(child, 'courier download', timeoutMs);
    if (answer.type === 'failed') throw new Error(`courier download failed: ${answer.code}: ${answer.message}`);
    return answer;
  } finally {
    await exited(child, EXIT_GRACE_MS);
  }
}
