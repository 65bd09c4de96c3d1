import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CourierError } from '@courier/origin';
import { downloadDefaults } from './defaults.ts';
import { onDisk, toDiskError } from './disk-error.ts';
import { InlineSink } from './writer/sink.ts';
import { acquireSlot, releaseSlot, type Slot } from './writer/slot-pool.ts';
import { abortedError } from './sleep.ts';

/** Quiet time after which a partly filled slot is written anyway, in milliseconds. */
const IDLE_FLUSH_MS = 20;

export interface PartFileOptions {
  /** Bytes per slot: the body is copied into slots, each hashed and written as one unit. */
  batchBytes?: number;
  /** Slots, hence slots on their way to disk at once; memory held ≤ this × `batchBytes`. */
  maxWritesInFlight?: number;
  /** Start a background `fdatasync` each time this many more bytes are on disk; 0 = only the final fsync. */
  syncEveryBytes?: number;
}

/** A batch on its way to disk. */
interface PendingWrite {
  bytes: number;
  done: boolean;
  promise: Promise<void>;
}

/** A slot of this part and what still uses its memory (its hashing and writing), if anything. */
interface SlotUse {
  slot: Slot;
  busy: Promise<void> | null;
}

/**
 * `<target>.part` open for writing, with a SHA-256 that covers exactly the bytes handed to it.
 *
 * Chunks are copied into a small ring of fixed slots (`maxWritesInFlight` × `batchBytes`, pooled
 * for the process); a full slot goes to the sink (writer/), which hashes it and writes it at its
 * position from the same memory: hashed on this thread and written in `writePieceBytes` pieces
 * through the libuv pool. (A shared writer thread hashing and writing beside the main thread was
 * measured on the 2-core bench VM: no faster, and its isolate cost ~9.5 MiB of RSS; it is gone.) The copy (a memcpy) lets the socket's buffer go at once. A slot is reused once
 * it is hashed and written; while none is free the caller waits (backpressure down to the
 * socket), so memory stays flat whatever the file size.
 */
export class PartFile {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #slotBytes: number;
  readonly #slotCount: number;
  readonly #syncEveryBytes: number;
  /** The background fdatasync running, and where the last one started. */
  #syncing: Promise<void> | null = null;
  #syncStartedAt: number;
  /** A background fdatasync's failure: Linux reports a writeback error once per file, so the final fsync must not miss it. */
  #syncFailure: unknown = null;
  readonly #sink: InlineSink;
  readonly #slots: SlotUse[] = [];
  /** Index in `#slots` of the slot being filled, and how full it is. */
  #current = 0;
  #fill = 0;
  /** Bytes handed to `write`, whether or not they have reached the disk (or the hash) yet. */
  #size: number;
  /** Bytes known to be written: every byte before this offset is on disk. */
  #written: number;
  /** Offset of the next slot to write. */
  #queued: number;
  /** Writes started, oldest first; the done ones at the head are folded into `#written`. */
  #inFlight: PendingWrite[] = [];
  #failure: CourierError | null = null;
  #closed = false;
  #idleTimer: NodeJS.Timeout | null = null;
  /**
   * Called after writes reach the disk, with the bytes now written; `drained` when nothing is
   * left in memory and the last write went out because data stopped coming (a pause, a trickle).
   */
  onWritten: ((written: number, drained: boolean) => void) | null = null;
  /** No chunk for `IDLE_FLUSH_MS`: data has paused (a stall, a trickle, the end). */
  #paused = false;
  #lastWriteAt = 0;

  private constructor(partPath: string, handle: FileHandle, size: number, options: Required<PartFileOptions>) {
    this.path = partPath;
    this.#handle = handle;
    this.#size = size;
    this.#written = size;
    this.#queued = size;
    this.#slotBytes = options.batchBytes;
    this.#slotCount = Math.max(1, options.maxWritesInFlight);
    this.#syncEveryBytes = options.syncEveryBytes;
    this.#syncStartedAt = size;
    this.#sink = new InlineSink(handle, downloadDefaults.writePieceBytes);
  }

  /**
   * Opens (creating) the part file. O_NOFOLLOW refuses a symlink planted at its name (ELOOP →
   * `BAD_PATH`); without `keep`, it is truncated.
   */
  static async open(partPath: string, keep: boolean, options: PartFileOptions = {}): Promise<PartFile> {
    const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | (keep ? 0 : constants.O_TRUNC);
    const handle = await onDisk('open', partPath, () => open(partPath, flags, 0o644));
    try {
      const { size } = await handle.stat();
      return new PartFile(partPath, handle, size, {
        batchBytes: options.batchBytes ?? downloadDefaults.writeBatchBytes,
        maxWritesInFlight: options.maxWritesInFlight ?? downloadDefaults.maxWritesInFlight,
        syncEveryBytes: options.syncEveryBytes ?? downloadDefaults.syncEveryBytes,
      });
    } catch (error) {
      await handle.close().catch(() => {});
      throw toDiskError(error, 'stat', partPath);
    }
  }

  /** Bytes in the part (handed to `write`), including those still on their way to disk. */
  get size(): number {
    return this.#size;
  }

  /** Bytes known to be on disk. */
  get written(): number {
    return this.#written;
  }

  /** Bytes held in memory: the slot being filled plus those being written. */
  get buffered(): number {
    return this.#size - this.#written;
  }

  /**
   * Hashes what is already in the part (after a resume): read slot by slot, each slot handed to
   * the sink (hash only) while the next is read. `onBytes` reports progress.
   */
  async hashExisting(onBytes: (hashed: number) => void, signal?: AbortSignal): Promise<void> {
    await this.flush();
    this.#sink.reset();
    let position = 0;
    for (let i = 0; position < this.#size; i = (i + 1) % this.#slotCount) {
      if (signal?.aborted) throw abortedError(signal);
      const use = this.#slotAt(i);
      if (use.busy) await use.busy;
      this.#throwIfFailed();
      const length = Math.min(this.#slotBytes, this.#size - position);
      const { bytesRead } = await onDisk('read', this.path, () => this.#handle.read(use.slot.memory, 0, length, position));
      if (bytesRead === 0) break;
      this.#track(use, this.#sink.put(use.slot, bytesRead, null));
      position += bytesRead;
      onBytes(position);
    }
    await this.#idle();
    this.#throwIfFailed();
    // The file may have been shorter than its stat said (truncated meanwhile): trust what was read.
    if (position !== this.#size) await this.truncate(position);
  }

  /** Drops everything from `length` on (0 restarts the file) and restarts the hash when 0. */
  async truncate(length = 0): Promise<void> {
    await this.flush();
    await onDisk('truncate', this.path, () => this.#handle.truncate(length));
    this.#size = length;
    this.#written = length;
    this.#queued = length;
    if (length === 0) this.#sink.reset();
  }

  /**
   * Appends a chunk (copied: the caller may reuse it at once). Returns undefined when the caller
   * may send the next chunk now, else a promise that resolves when it may (no slot was free).
   */
  write(chunk: Buffer): Promise<void> | undefined {
    this.#throwIfFailed();
    this.#size += chunk.length;
    this.#paused = false;
    this.#lastWriteAt = performance.now();
    // A trickle (or a server that pauses) must still reach the disk and be reported as settled,
    // so a process killed now loses next to nothing: see #armIdleFlush.
    this.#armIdleFlush();
    return this.#copyIn(chunk, 0);
  }

  #copyIn(chunk: Buffer, offset: number): Promise<void> | undefined {
    while (offset < chunk.length) {
      this.#throwIfFailed();
      const use = this.#slotAt(this.#current);
      if (use.busy) {
        return use.busy.then(() => {
          if (this.#closed) throw new CourierError('ABORTED', `${this.path} was closed during a write`);
          this.#throwIfFailed();
          const more = this.#copyIn(chunk, offset);
          // The idle timer may have fired while we waited (with nothing to write): arm it again for these bytes.
          this.#armIdleFlush();
          return more;
        });
      }
      const n = Math.min(this.#slotBytes - this.#fill, chunk.length - offset);
      chunk.copy(use.slot.memory, this.#fill, offset, offset + n);
      this.#fill += n;
      offset += n;
      if (this.#fill === this.#slotBytes) this.#seal();
    }
    return undefined;
  }

  /** The slot at `index` of this part's ring, taken from the pool on first use. */
  #slotAt(index: number): SlotUse {
    let use = this.#slots[index];
    if (!use) {
      use = { slot: acquireSlot(this.#slotBytes), busy: null };
      this.#slots[index] = use;
    }
    return use;
  }

  /** Marks a slot busy until `work` settles; a failure is kept and thrown at the next call. */
  #track(use: SlotUse, work: Promise<void>): void {
    const busy: Promise<void> = work.then(
      () => {
        if (use.busy === busy) use.busy = null;
      },
      (error: unknown) => {
        this.#failure ??= toDiskError(error, 'write', this.path);
        if (use.busy === busy) use.busy = null;
      },
    );
    use.busy = busy;
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  /**
   * Once no chunk has come for `IDLE_FLUSH_MS` (one timer, re-armed for the remainder rather
   * than reset on every chunk), the partly filled slot is written and, when nothing is left in
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
      this.#seal();
      if (this.#inFlight.length === 0 && this.#fill === 0 && !this.#failure) this.onWritten?.(this.#written, true);
    }, delay).unref();
  }

  /** Sends the slot being filled to the sink (hashed, then written at its offset) and moves on to the next slot. */
  #seal(): void {
    if (this.#fill === 0 || this.#failure) return;
    const use = this.#slotAt(this.#current);
    const bytes = this.#fill;
    const position = this.#queued;
    this.#queued += bytes;
    this.#fill = 0;
    this.#current = (this.#current + 1) % this.#slotCount;
    const pending: PendingWrite = { bytes, done: false, promise: Promise.resolve() };
    pending.promise = this.#sink.put(use.slot, bytes, position).then(
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
    this.#track(use, pending.promise);
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
    if (advanced) {
      this.#maybeSync();
      this.onWritten?.(this.#written, this.#paused && this.#inFlight.length === 0 && this.#fill === 0);
    }
  }

  /**
   * Every `syncEveryBytes`, an fdatasync on the thread pool (beside the writes, which go on): the
   * disk then takes the file as it comes instead of all of it in the final fsync, which would
   * otherwise wait for every byte of a large file at the end.
   */
  #maybeSync(): void {
    if (this.#syncEveryBytes <= 0 || this.#syncing || this.#closed || this.#written - this.#syncStartedAt < this.#syncEveryBytes) return;
    this.#syncStartedAt = this.#written;
    this.#syncing = this.#handle.datasync().then(
      () => {
        this.#syncing = null;
      },
      (error: unknown) => {
        this.#syncFailure ??= error;
        this.#syncing = null;
      },
    );
  }

  /** Every slot free again: hashed and written. */
  async #idle(): Promise<void> {
    for (const use of this.#slots) if (use.busy) await use.busy;
  }

  /** Waits until every byte handed to `write` is on disk (not fsynced). */
  async flush(): Promise<void> {
    this.#seal();
    // Writes may finish out of order: wait for all of them, not just the last one started.
    await Promise.all(this.#inFlight.map((w) => w.promise));
    this.#throwIfFailed();
  }

  /** Lower-case hex SHA-256 of the bytes in the part (all of them: the slot being filled is sent first). The hash goes on. */
  async digest(): Promise<string> {
    this.#seal();
    this.#throwIfFailed();
    return this.#sink.digest();
  }

  /** Flushes, fsyncs and closes, then renames the part over `target` and fsyncs the directory. */
  async commit(target: string): Promise<void> {
    await this.flush();
    await this.#syncing;
    await onDisk('fsync', this.path, async () => {
      if (this.#syncFailure) throw this.#syncFailure;
      await this.#handle.sync();
    });
    await this.close();
    await onDisk('rename', target, () => rename(this.path, target));
    await syncDirectory(path.dirname(target));
  }

  /**
   * Flushes what can be flushed (so a resume keeps it) and closes. After a failed write, later
   * writes may have landed beyond a gap: the file is cut back to the bytes known to be
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
      await this.#syncing;
      await this.#handle.close().catch(() => {});
      // The slots go back to the pool only once nothing reads their memory any more.
      await this.#idle();
      for (const use of this.#slots) releaseSlot(use.slot);
      this.#slots.length = 0;
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
