/**
 * A response body for a job result: inline (base64, binary safe) up to `inlineBodyBytes`, else
 * streamed to `<resultsDir>/<jobId>.body` (written to a `.part` file first, renamed when whole)
 * and referenced by its path relative to the results directory. The file's backpressure reaches
 * the socket: a slow disk slows the download, it never fills memory.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** Keeps the first `inlineBodyBytes` in memory; past that, spills everything to `partPath`. */
class SpillingSink extends Writable {
  readonly head: Buffer[] = [];
  size = 0;
  file: FileHandle | null = null;
  diskError: unknown = null;

  constructor(
    private readonly inlineBodyBytes: number,
    private readonly partPath: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    void this.#write(chunk).then(
      () => callback(),
      (error: unknown) => {
        this.diskError = error;
        callback(error as Error);
      },
    );
  }

  async #write(chunk: Buffer): Promise<void> {
    if (this.file) {
      await this.file.write(chunk);
      return;
    }
    this.head.push(chunk);
    if (this.size <= this.inlineBodyBytes) return;
    this.file = await open(this.partPath, 'w');
    const head = this.head.splice(0);
    await this.file.writev(head);
  }
}

export async function storeBody(res: CourierResponse, jobId: string, resultsDir: string, inlineBodyBytes: number): Promise<StoredBody> {
  const name = bodyFileName(jobId);
  const finalPath = join(resultsDir, name);
  const partPath = `${finalPath}.${process.pid}.part`;
  const sink = new SpillingSink(inlineBodyBytes, partPath);
  const cleanUp = async () => {
    await sink.file?.close().catch(() => {});
    await rm(partPath, { force: true }).catch(() => {});
  };
  const diskError = (cause: unknown) =>
    new CourierError('DISK_ERROR', `could not write the body to the results directory: ${(cause as Error).message}`, { cause });
  try {
    await pipeline(res.body.stream(), sink);
  } catch (error) {
    await cleanUp();
    if (sink.diskError !== null) throw diskError(sink.diskError);
    // A body error (timeout, reset, too large…) keeps its own code.
    throw isCourierError(error) ? error : toCourierError(error);
  }
  if (!sink.file) {
    const bytes = sink.head.length === 1 ? sink.head[0]! : Buffer.concat(sink.head);
    return { bodyBase64: bytes.toString('base64'), bodyBytes: bytes.length };
  }
  try {
    await sink.file.close();
    sink.file = null;
    await rename(partPath, finalPath);
  } catch (error) {
    await cleanUp();
    throw diskError(error);
  }
  return { bodyBytes: sink.size, bodyFile: name };
}
