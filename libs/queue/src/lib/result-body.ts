/**
 * A response body for a job result: inline (base64, binary safe) up to `inlineBodyBytes`, else
 * streamed to `<resultsDir>/<jobId>.body` (written to a `.part` file first, renamed when whole)
 * and referenced by its path relative to the results directory. The file's backpressure reaches
 * the socket: a slow disk slows the download, it never fills memory.
 *
 * A body whose `content-length` fits inline is collected with `res.body.bytes()`. Others are
 * read with `for await`, not `pipeline(stream, sink)`: this runs for every job, and `pipeline`
 * ends by aborting an internal AbortController whose DOMException captures a stack trace — about
 * ten times the cost of reading a small body. The file stream is only opened past the inline size.
 */
import { once } from 'node:events';
import { constants, type ReadStream, type WriteStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { CourierError, isCourierError, toCourierError, type CourierResponse } from '@courier/origin';

export interface StoredBody {
  bodyBase64?: string;
  bodyBytes: number;
  bodyFile?: string;
}

/** File name of a job's body under the results directory (job ids are safe file names). */
export function bodyFileName(jobId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new CourierError('BAD_PATH', `job id ${JSON.stringify(jobId)} is not a safe file name`);
  return `${jobId}.body`;
}

/** A stored body file opened for reading: its size and a stream that closes the file when done. */
export interface ResultBodyFile {
  size: number;
  stream: ReadStream;
}

/**
 * Opens a job's body file for reading, without following a link: a record is data, and a file
 * planted in the results directory (a symlink named `<id>.body` pointing at a secret, a FIFO, a
 * directory) must not be served. Only a plain `<id>.body` name directly under the results
 * directory is accepted, so no directory on the way can be a link either.
 * Errors: `BAD_PATH` for any other name or anything but a regular file, `NOT_FOUND` when absent.
 */
export async function openResultBody(resultsDir: string, bodyFile: string): Promise<ResultBodyFile> {
  if (!/^[A-Za-z0-9_-]+\.body$/.test(bodyFile)) throw new CourierError('BAD_PATH', 'body file outside the results directory');
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a planted FIFO must not hang; a regular file ignores it.
    handle = await open(join(resultsDir, bodyFile), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CourierError('NOT_FOUND', 'the body file is not in the results directory');
    // ELOOP: the name is a symbolic link.
    if (code === 'ELOOP') throw new CourierError('BAD_PATH', 'the body file is a link, not a regular file');
    throw new CourierError('DISK_ERROR', `could not open the body file: ${(error as Error).message}`, { cause: error });
  }
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw new CourierError('DISK_ERROR', `could not read the body file: ${(error as Error).message}`, { cause: error });
  });
  if (!stats.isFile()) {
    await handle.close();
    throw new CourierError('BAD_PATH', 'the body file is not a regular file');
  }
  return { size: stats.size, stream: handle.createReadStream() };
}

/** Thrown inside the read loop when the file fails, to tell it apart from a body error. */
class DiskFailure extends Error {
  constructor(readonly original: unknown) {
    super('disk error');
  }
}

/** The spill file: writes wait for `drain` when its buffer is full, so the socket pauses. */
class SpillFile {
  readonly #out: WriteStream;
  #error: unknown = null;

  /** Like flags 'w', but a link planted at the part file's (predictable) name is not followed: the body is never written through it. */
  static async open(path: string): Promise<SpillFile> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
    const handle = await open(path, flags, 0o666).catch((error: unknown) => {
      throw new DiskFailure(error);
    });
    return new SpillFile(handle.createWriteStream());
  }

  private constructor(out: WriteStream) {
    this.#out = out;
    // Kept so a failure between writes is seen at the next one (or at the end).
    this.#out.on('error', (error) => {
      this.#error ??= error;
    });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#error !== null) throw new DiskFailure(this.#error);
    if (this.#out.write(chunk)) return;
    // `once` rejects when 'error' comes first.
    await once(this.#out, 'drain').catch((error: unknown) => {
      throw new DiskFailure(this.#error ?? error);
    });
  }

  async close(): Promise<void> {
    if (this.#error !== null) throw new DiskFailure(this.#error);
    this.#out.end();
    await finished(this.#out).catch((error: unknown) => {
      throw new DiskFailure(this.#error ?? error);
    });
  }

  async discard(): Promise<void> {
    this.#out.destroy();
    await finished(this.#out).catch(() => {});
  }
}

/** The declared length of a body, or null when it is not given as one plain number. */
function declaredLength(res: CourierResponse): number | null {
  const value = res.headers['content-length'];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

function inlineBody(bytes: Buffer): StoredBody {
  return { bodyBase64: bytes.toString('base64'), bodyBytes: bytes.length };
}

function rethrowAsCourierError(error: unknown): never {
  throw isCourierError(error) ? error : toCourierError(error);
}

export function storeBody(res: CourierResponse, jobId: string, resultsDir: string, inlineBodyBytes: number): Promise<StoredBody> {
  // A body declared small enough to inline is collected whole: `bytes()` gathers the chunks
  // without the Readable and async iterator `for await` needs (the common small-result case).
  // undici fails a body longer than its content-length, so this never holds more than that.
  const declared = declaredLength(res);
  if (declared !== null && declared <= inlineBodyBytes) return res.body.bytes().then(inlineBody, rethrowAsCourierError);
  return readBody(res, jobId, resultsDir, inlineBodyBytes);
}

/** Any other body: read in chunks, inline while small enough, else spilled to its file. */
async function readBody(res: CourierResponse, jobId: string, resultsDir: string, inlineBodyBytes: number): Promise<StoredBody> {
  const name = bodyFileName(jobId);
  const finalPath = join(resultsDir, name);
  const partPath = `${finalPath}.${process.pid}.part`;
  const head: Buffer[] = [];
  let size = 0;
  let file: SpillFile | null = null;
  const diskError = (cause: unknown) =>
    new CourierError('DISK_ERROR', `could not write the body to the results directory: ${(cause as Error).message}`, { cause });
  try {
    // Leaving the loop early (a disk error) destroys the body stream, which cancels the transfer.
    for await (const chunk of res.body) {
      size += chunk.length;
      if (file) {
        await file.write(chunk);
        continue;
      }
      head.push(chunk);
      if (size <= inlineBodyBytes) continue;
      file = await SpillFile.open(partPath);
      for (const held of head.splice(0)) await file.write(held);
    }
    if (file) await file.close();
  } catch (error) {
    await file?.discard();
    if (file) await rm(partPath, { force: true }).catch(() => {});
    if (error instanceof DiskFailure) throw diskError(error.original);
    // A body error (timeout, reset, too large…) keeps its own code.
    rethrowAsCourierError(error);
  }
  if (!file) return inlineBody(head.length === 1 ? head[0]! : Buffer.concat(head, size));
  try {
    await rename(partPath, finalPath);
  } catch (error) {
    await rm(partPath, { force: true }).catch(() => {});
    throw diskError(error);
  }
  return { bodyBytes: size, bodyFile: name };
}
