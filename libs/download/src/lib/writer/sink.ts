import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Slot } from './slot-pool.ts';

/**
 * Where a part file's slots go: each is hashed (SHA-256, in order) and, unless its position is
 * null, written at that position. The slot's memory must not be reused before `put` settles.
 * Puts apply in call order; `reset` and `digest` take effect after the puts called before them.
 * A failed write rejects with the node:fs error (its `code` is the errno).
 */
export interface PartSink {
  put(slot: Slot, length: number, position: number | null): Promise<void>;
  /** Starts the hash over from empty. */
  reset(): void;
  /** Lower-case hex SHA-256 of everything put since the last reset; the hash goes on. */
  digest(): Promise<string>;
  /** Frees what the sink holds; it is not used again. */
  close(): void;
}

/**
 * Hashing on the calling thread and positional writes of `writePieceBytes` on the thread pool:
 * the fallback when the writer thread is turned off or cannot start (same bytes, more
 * main-thread work).
 */
export class InlineSink implements PartSink {
  readonly #handle: FileHandle;
  readonly #pieceBytes: number;
  #hash: Hash = createHash('sha256');

  constructor(handle: FileHandle, writePieceBytes: number) {
    this.#handle = handle;
    this.#pieceBytes = Math.max(1, writePieceBytes);
  }

  async put(slot: Slot, length: number, position: number | null): Promise<void> {
    const view = slot.memory.subarray(0, length);
    this.#hash.update(view);
    if (position === null) return;
    // In pieces (see writePieceBytes); a write may also be shorter than asked: loop until all of it is down.
    for (let offset = 0; offset < length; ) {
      const { bytesWritten } = await this.#handle.write(view, offset, Math.min(this.#pieceBytes, length - offset), position + offset);
      offset += bytesWritten;
    }
  }

  reset(): void {
    this.#hash = createHash('sha256');
  }

  digest(): Promise<string> {
    return Promise.resolve(this.#hash.copy().digest('hex'));
  }

  close(): void {}
}
