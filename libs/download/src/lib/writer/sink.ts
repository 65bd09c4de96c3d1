import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Slot } from './slot-pool.ts';

/**
 * Where a part file's slots go: each is hashed (SHA-256, in order, on the calling thread) and,
 * unless its position is null, written at that position in `writePieceBytes` pieces through the
 * libuv pool. The slot's memory must not be reused before `put` settles. A failed write rejects
 * with the node:fs error (its `code` is the errno).
 */
export class InlineSink {
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

  /** Starts the hash over from empty. */
  reset(): void {
    this.#hash = createHash('sha256');
  }

  /** Lower-case hex SHA-256 of everything put since the last reset; the hash goes on. */
  digest(): Promise<string> {
    return Promise.resolve(this.#hash.copy().digest('hex'));
  }
}
