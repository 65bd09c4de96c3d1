import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { downloadDefaults } from './defaults.ts';
import { onDisk, toDiskError } from './disk-error.ts';
import { abortedError } from './sleep.ts';

/** Quiet time after which a partial batch is written anyway, in milliseconds. */
const IDLE_FLUSH_MS = 20;

/** A batch on its way to disk. */
interface PendingWrite {
  bytes: number;
  done: boolean;
  promise: Promise<void>;
}

/**
 * `<target>.part` open for writing, with a SHA-256 that always covers exactly the bytes in it.
 *
 * Writes are batched: chunks gather up to `batchBytes`, then one positional vectored write goes
 * to the thread pool while the next batch fills; up to `maxWritesInFlight` batches may be on
 * their way at once (on a busy machine one write at a time is bound by thread-pool latency, not
 * by the disk). At most `(maxWritesInFlight + 1) × batchBytes` are held, so memory stays flat
 * whatever the file size, and the caller is held back (backpressure down to the socket) while
 * the disk is behind.
 */
export class PartFile {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #batchBytes: number;
  readonly #maxInFlight: number;
  #hash: Hash = createHash('sha256');
  /** Bytes handed to `write` (hashed), whether or not they have reached the disk yet. */
  #size: number;
  /** Bytes known to be written: every byte before this offset is on disk. */
  #written: number;
  /** Offset of the next batch to start. */
  #queued: number;
  #batch: Buffer[] = [];
  #batchSize = 0;
  /** Batches started, oldest first; the done ones at the head are folded into `#written`. */
  #inFlight: PendingWrite[] = [];
  #failure: unknown = null;
  #closed = false;
  #idleTimer: NodeJS.Timeout | null = null;
  /**
   * Called after batches reach the disk, with the bytes now written; `drained` when nothing is
   * left in memory and the last batch went out because data stopped coming (a pause, a trickle).
   */
  onWritten: ((written: number, drained: boolean) => void) | null = null;
  /** No chunk for `IDLE_FLUSH_MS`: data has paused (a stall, a trickle, the end). */
  #paused = false;
  #lastWriteAt = 0;

  private constructor(partPath: string, handle: FileHandle, size: number, batchBytes: number, maxInFlight: number) {
    this.path = partPath;
    this.#handle = handle;
    this.#size = size;
    this.#written = size;
    this.#queued = size;
    this.#batchBytes = batchBytes;
    this.#maxInFlight = maxInFlight;
  }

  /**
   * Opens (creating) the part file. O_NOFOLLOW refuses a symlink planted at its name (ELOOP →
   * `BAD_PATH`); without `keep`, it is truncated.
   */
  static async open(
    partPath: string,
    keep: boolean,
    batchBytes: number = downloadDefaults.writeBatchBytes,
    maxWritesInFlight: number = downloadDefaults.maxWritesInFlight,
  ): Promise<PartFile> {
    const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | (keep ? 0 : constants.O_TRUNC);
    const handle = await onDisk('open', partPath, () => open(partPath, flags, 0o644));
    try {
      const { size } = await handle.stat();
      return new PartFile(partPath, handle, size, batchBytes, maxWritesInFlight);
    } catch (error) {
      await handle.close().catch(() => {});
      throw toDiskError(error, 'stat', partPath);
    }
  }

  /** Bytes in the part (hashed), including a batch still on its way to disk. */
  get size(): number {
    return this.#size;
  }

  /** Bytes known to be on disk. */
  get written(): number {
    return this.#written;
  }

  /** Bytes held in memory: the batch being filled plus the one being written. */
  get buffered(): number {
    return this.#size - this.#written;
  }

  /** Hashes what is already in the part (after a resume); `onBytes` reports progress. */
  async hashExisting(onBytes: (hashed: number) => void, signal?: AbortSignal): Promise<void> {
    const buffer = Buffer.allocUnsafe(Math.min(downloadDefaults.hashReadBytes, Math.max(1, this.#size)));
    let position = 0;
    this.#hash = createHash('sha256');
    while (position < this.#size) {
      if (signal?.aborted) throw abortedError(signal);
      const { bytesRead } = await onDisk('read', this.path, () => this.#handle.read(buffer, 0, Math.min(buffer.length, this.#size - position), position));
      if (bytesRead === 0) break;
      this.#hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      onBytes(position);
    }
    // The file may have been shorter than its stat said (truncated meanwhile): trust what was read.
    if (position !== this.#size) await this.truncate(position);
  }

  /** Drops everything from `length` on (0 restarts the file) and rehashes from scratch when 0. */
  async truncate(length = 0): Promise<void> {
    await this.flush();
    await onDisk('truncate', this.path, () => this.#handle.truncate(length));
    this.#size = length;
    this.#written = length;
    this.#queued = length;
    if (length === 0) this.#hash = createHash('sha256');
  }

  /** Appends a chunk. Resolves when the caller may send the next one. */
  async write(chunk: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#hash.update(chunk);
    this.#batch.push(chunk);
    this.#batchSize += chunk.length;
    this.#size += chunk.length;
    this.#paused = false;
    this.#lastWriteAt = performance.now();
    // A trickle (or a server that pauses) must still reach the disk and be reported as settled,
    // so a process killed now loses next to nothing: see #armIdleFlush.
    this.#armIdleFlush();
    if (this.#batchSize < this.#batchBytes) return;
    // Room for this batch: wait for the oldest write while the thread pool has enough to do.
    while (this.#inFlight.length >= this.#maxInFlight) await this.#inFlight[0]!.promise;
    if (this.#failure) throw this.#failure;
    this.#startWrite();
  }

  /**
   * Once no chunk has come for `IDLE_FLUSH_MS` (one timer, re-armed for the remainder rather
   * than reset on every chunk), the partial batch is written and, when nothing is left in
   * memory, `onWritten` says so (`drained`).
   */
  #armIdleFlush(delay = IDLE_FLUSH_MS): void {
    if (this.#closed || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      const quiet = performance.now() - this.#lastWriteAt;
      if (quiet < IDLE_FLUSH_MS) {
        this.#armIdleFlush(IDLE_FLUSH_MS - quiet);
        return;
      }
      this.#paused = true;
      this.#startWrite();
      if (this.#inFlight.length === 0 && this.#batch.length === 0 && !this.#failure) this.onWritten?.(this.#written, true);
    }, delay).unref();
  }

  #startWrite(): void {
    if (this.#inFlight.length >= this.#maxInFlight || this.#failure || this.#batch.length === 0) return;
    const batch = this.#batch;
    const bytes = this.#batchSize;
    const position = this.#queued;
    this.#batch = [];
    this.#batchSize = 0;
    this.#queued += bytes;
    const pending: PendingWrite = { bytes, done: false, promise: Promise.resolve() };
    pending.promise = this.#writeAll(batch, position).then(
      () => {
        pending.done = true;
        this.#settle();
      },
      (error: unknown) => {
        this.#failure ??= toDiskError(error, 'write', this.path);
        pending.done = true;
        this.#settle();
      },
    );
    this.#inFlight.push(pending);
  }

  /** Folds finished writes at the head into `#written` (later ones may finish first). */
  #settle(): void {
    let advanced = false;
    while (this.#inFlight.length > 0 && this.#inFlight[0]!.done) {
      const head = this.#inFlight.shift()!;
      if (!this.#failure) {
        this.#written += head.bytes;
        advanced = true;
      }
    }
    if (advanced) this.onWritten?.(this.#written, this.#paused && this.#inFlight.length === 0 && this.#batch.length === 0);
    // Chunks that came while the pipeline was full: written at the next trigger.
    if (this.#batch.length > 0 && this.#paused) this.#startWrite();
  }

  async #writeAll(batch: Buffer[], position: number): Promise<void> {
    let buffers = batch;
    let at = position;
    // writev may write less than asked (a signal, a full pipe): loop until all of it is down.
    while (buffers.length > 0) {
      const { bytesWritten } = await this.#handle.writev(buffers, at);
      at += bytesWritten;
      let skip = bytesWritten;
      while (buffers.length > 0 && skip >= buffers[0]!.length) {
        skip -= buffers[0]!.length;
        buffers = buffers.slice(1);
      }
      if (skip > 0 && buffers.length > 0) buffers = [buffers[0]!.subarray(skip), ...buffers.slice(1)];
    }
  }

  /** Waits until every byte handed to `write` is on disk (not fsynced). */
  async flush(): Promise<void> {
    while (this.#batch.length > 0 && !this.#failure) {
      while (this.#inFlight.length >= this.#maxInFlight) await this.#inFlight[0]!.promise;
      this.#startWrite();
    }
    // Writes may finish out of order: wait for all of them, not just the last one started.
    await Promise.all(this.#inFlight.map((w) => w.promise));
    if (this.#failure) throw this.#failure;
  }

  /** Lower-case hex SHA-256 of the bytes in the part. Reading it does not end the hash. */
  digest(): string {
    return this.#hash.copy().digest('hex');
  }

  /** Flushes, fsyncs and closes, then renames the part over `target` and fsyncs the directory. */
  async commit(target: string): Promise<void> {
    await this.flush();
    await onDisk('fsync', this.path, () => this.#handle.sync());
    await this.close();
    await onDisk('rename', target, () => rename(this.path, target));
    await syncDirectory(path.dirname(target));
  }

  /**
   * Flushes what can be flushed (so a resume keeps it) and closes. After a failed write, later
   * batches may have landed beyond a gap: the file is cut back to the bytes known to be
   * contiguous. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } catch {
      await Promise.allSettled(this.#inFlight.map((w) => w.promise));
      await this.#handle.truncate(this.#written).catch(() => {});
      this.#size = this.#written;
    } finally {
      if (this.#idleTimer) clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
      await this.#handle.close().catch(() => {});
    }
  }

  /** Closes and deletes the part. */
  async discard(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true }).catch(() => {});
  }
}

/** fsync a directory so a rename in it survives a power cut (a no-op error on filesystems that refuse it). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await handle.sync();
  } catch {
    // Some filesystems (and platforms) cannot fsync a directory; the rename itself has happened.
  } finally {
    await handle?.close().catch(() => {});
  }
}
