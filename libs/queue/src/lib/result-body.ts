/**
 * A response body for a job result: inline (base64, binary safe) up to `inlineBodyBytes`, else
 * streamed to `<resultsDir>/<jobId>.body` (written to a `.part` file first, renamed when whole)
 * and referenced by its path relative to the results directory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CourierError, isCourierError, toCourierError, type CourierResponse } from '@courier/origin';

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

/**
 * Reads the body in flowing mode, handing each chunk to the file as it comes.
 *
 * Deliberately no backpressure from the file to the socket (no `pipeline`): @courier/origin's
 * `ResponseBody` stalls when its stream is paused a second time (reported to the lead; see the
 * README). Flowing mode keeps the body from ever pausing; the file stream buffers whatever the
 * disk has not taken yet. Switch to `pipeline(res.body.stream(), file)` once that is fixed.
 */
export function storeBody(res: CourierResponse, jobId: string, resultsDir: string, inlineBodyBytes: number): Promise<StoredBody> {
  const name = bodyFileName(jobId);
  const finalPath = join(resultsDir, name);
  const partPath = `${finalPath}.${process.pid}.part`;
  const readable = res.body.stream();
  return new Promise<StoredBody>((resolve, reject) => {
    const head: Buffer[] = [];
    let size = 0;
    let file: WriteStream | null = null;
    let failed = false;
    const fail = (error: CourierError) => {
      if (failed) return;
      failed = true;
      readable.destroy();
      file?.destroy();
      // Unlinking a file still open is fine on POSIX; the descriptor closes right after.
      void rm(partPath, { force: true })
        .catch(() => {})
        .finally(() => reject(error));
    };
    const diskError = (error: unknown) =>
      fail(new CourierError('DISK_ERROR', `could not write the body to the results directory: ${(error as Error).message}`, { cause: error }));

    readable.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (file) {
        file.write(chunk);
        return;
      }
      head.push(chunk);
      if (size <= inlineBodyBytes) return;
      file = createWriteStream(partPath);
      file.on('error', diskError);
      for (const c of head) file.write(c);
      head.length = 0;
    });
    readable.on('error', (error: unknown) => fail(isCourierError(error) ? error : toCourierError(error)));
    readable.on('end', () => {
      if (failed) return;
      if (!file) {
        const bytes = head.length === 1 ? head[0]! : Buffer.concat(head);
        resolve({ bodyBase64: bytes.toString('base64'), bodyBytes: bytes.length });
        return;
      }
      file.end(() => {
        rename(partPath, finalPath).then(() => resolve({ bodyBytes: size, bodyFile: name }), diskError);
      });
    });
  });
}
