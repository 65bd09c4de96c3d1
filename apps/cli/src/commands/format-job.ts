import { isAbsolute } from 'node:path';
import type { JobRecord } from '@courier/queue';

/** States after which a job changes no more (until a retry). */
export const finishedStates = new Set(['completed', 'failed', 'cancelled']);

/** Largest body printed inline by `status`; a larger one is summarised (use `--body`). */
const maxPrintedBody = 4096;

/** One line per job: id, state, and the outcome (status or error). */
export function summaryLine(record: JobRecord): string {
  const input = record.input as { url?: string; method?: string };
  const target = `${input.method ?? 'GET'} ${input.url ?? ''}`.trim();
  if (record.state === 'completed' && record.result?.kind === 'request') {
    const r = record.result;
    return `${record.id}  completed  ${r.status} ${r.statusText}  ${r.bodyBytes} B  ${r.timings.totalMs} ms  ${target}`;
  }
  if (record.error !== undefined) return `${record.id}  ${record.state}  ${record.error.code}: ${record.error.message}  ${target}`;
  return `${record.id}  ${record.state}  ${target}`;
}

/**
 * Tries so far: the record counts finished attempts (BullMQ's attemptsMade), so a job running its
 * first try says 0; the try under way is counted here.
 */
function attemptsText(record: JobRecord): string {
  return record.state === 'active' ? `${record.attempts + 1} (this one running)` : String(record.attempts);
}

/** A relative `dst` is under the download root of the worker that runs the job, which the API does not tell. */
function dstText(dst: string): string {
  return isAbsolute(dst) ? dst : `${dst} (under the worker's COURIER_DOWNLOAD_ROOT)`;
}

/** The full human view of one job for `courier status`. */
export function detailText(record: JobRecord): string {
  const lines = [`id:        ${record.id}`, `state:     ${record.state}`, `attempts:  ${attemptsText(record)}`];
  const input = record.input as { url?: string; method?: string; dst?: string };
  lines.push(`request:   ${input.method ?? 'GET'} ${input.url ?? ''}`);
  // A download's destination from the start (the result repeats it once done).
  if (record.kind === 'download' && record.result === undefined && input.dst !== undefined) lines.push(`dst:       ${dstText(input.dst)}`);
  if (record.progress !== undefined) lines.push(`progress:  ${record.progress.bytes}${record.progress.total === null ? '' : ` / ${record.progress.total}`} B`);
  if (record.error !== undefined) lines.push(`error:     ${record.error.code}: ${record.error.message}`);
  const result = record.result;
  if (result?.kind === 'request') {
    lines.push(`status:    ${result.status} ${result.statusText}`, `url:       ${result.url}`, `time:      ${result.timings.totalMs} ms`, `worker:    ${result.workerId}`);
    for (const [name, value] of Object.entries(result.headers)) lines.push(`  ${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
    if (result.bodyBase64 !== undefined) {
      const body = Buffer.from(result.bodyBase64, 'base64');
      const printable = body.length <= maxPrintedBody && !body.includes(0);
      lines.push(printable ? `body (${body.length} B):\n${body.toString('utf8')}` : `body:      ${body.length} B (courier status --body ${record.id} prints it)`);
    } else if (result.bodyFile !== undefined) {
      lines.push(`body:      ${result.bodyBytes} B in ${result.bodyFile} (courier status --body ${record.id} prints it)`);
    }
  } else if (result?.kind === 'download') {
    lines.push(`dst:       ${dstText(result.dst)}`, `bytes:     ${result.bytes}`, `sha256:    ${result.sha256}`);
  }
  return lines.join('\n');
}
