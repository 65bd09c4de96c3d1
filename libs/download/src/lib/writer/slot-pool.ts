/**
 * Write slots: fixed buffers the part file copies the body into, then hashes and writes to disk
 * from. Pooled for the whole process, so a download allocates nothing per chunk.
 *
 * Plain ArrayBuffers, not SharedArrayBuffers, on purpose: on Node 20 `Buffer#copy` into a shared
 * buffer goes through V8's race-safe byte copy (`relaxed_memmove`), measured at several times
 * the cost of a memcpy.
 */
export interface Slot {
  /** `size` bytes. */
  memory: Buffer;
}

/** Free slots kept for later downloads, in bytes; slots released beyond it are left to the GC. */
const MAX_FREE_BYTES = 16 * 1024 * 1024;

const free = new Map<number, Slot[]>();
let freeBytes = 0;

/** A slot of `size` bytes, reused when one is free. */
export function acquireSlot(size: number): Slot {
  const reused = free.get(size)?.pop();
  if (reused) {
    freeBytes -= size;
    return reused;
  }
  return { memory: Buffer.alloc(size) };
}

/** Gives a slot back; nothing may use its memory any more (hashed and written). */
export function releaseSlot(slot: Slot): void {
  const size = slot.memory.length;
  if (freeBytes + size > MAX_FREE_BYTES) return;
  let list = free.get(size);
  if (!list) free.set(size, (list = []));
  list.push(slot);
  freeBytes += size;
}
