import type { JobRecord } from '@courier/queue';
import type { ServerClient } from '../api/server-client.ts';
import { CliError } from '../io.ts';
import { finishedStates } from './format-job.ts';

/** One long poll's length, in milliseconds; the server caps it (COURIER_MAX_WAIT_MS) and the loop asks again. */
const pollMs = 30_000;

/**
 * Waits for each job to finish through `GET /v1/requests/:id?wait=` (a long poll held by the
 * server until the job ends), all jobs at once, up to `timeoutMs` in all.
 */
export async function waitForJobs(client: ServerClient, ids: string[], timeoutMs: number): Promise<JobRecord[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    ids.map(async (id) => {
      for (;;) {
        const left = deadline - Date.now();
        const record = await client.json<JobRecord>('GET', `/v1/requests/${encodeURIComponent(id)}?wait=${Math.max(1, Math.min(pollMs, left))}`);
        if (finishedStates.has(record.state)) return record;
        if (Date.now() >= deadline) throw new CliError(`job ${id} still ${record.state} after ${timeoutMs} ms`);
      }
    }),
  );
}
