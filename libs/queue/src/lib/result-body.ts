/**
 * A response body for a job result: inline (base64, binary safe) up to `inlineBodyBytes`, else
 * streamed to `<resultsDir>/<jobId>.body` (written to a `.part` file first, renamed when whole)
 * and referenced by its path relative to the results directory.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CourierError, isCourierError, type CourierResponse } from '@courier/origin';

export interface StoredBody {
  bodyBase64?: string;
  bodyBytes: number;
  bodyFile?: string;
}

/** File name of a job's body under the results directory (job ids are safe file names). */
export function bodyFileName(jobId: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(jobId)) throw new CourierError('BAD_PATH', `job id ${JSON.stringify(jobId)} is not a safe file name`);
  return `${jobId}.body`;
}

export async function storeBody(res: CourierResponse, jobId: string, resultsDir: string, inlineBodyBytes: number): Promise<StoredBody> {
  const iterator = res.body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      const bytes = head.length === 1 ? head[0]! : Buffer.concat(head);
      return { bodyBase64: bytes.toString('base64'), bodyBytes: bytes.length };
    }
    head.push(next.value);
    size += next.value.length;
    if (size > inlineBodyBytes) break;
  }

  const name = bodyFileName(jobId);
  const finalPath = join(resultsDir, name);
  const partPath = `${finalPath}.${process.pid}.part`;
  let total = 0;
  async function* rest(): AsyncGenerator<Buffer> {
    for (const chunk of head) {
      total += chunk.length;
      yield chunk;
    }
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      total += next.value.length;
      yield next.value;
    }
  }
  try {
    await mkdir(resultsDir, { recursive: true });
    await pipeline(rest(), createWriteStream(partPath));
    await rename(partPath, finalPath);
  } catch (error) {
    await rm(partPath, { force: true }).catch(() => {});
    if (isCourierError(error)) throw error; // a body error (timeout, reset…) keeps its code
    res.body.cancel('results file write failed');
    throw new CourierError('DISK_ERROR', `could not write the body to the results directory: ${(error as Error).message}`, { cause: error });
  }
  return { bodyBytes: total, bodyFile: name };
}
