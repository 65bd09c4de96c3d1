import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { CourierError } from '@courier/origin';
import { InlineSink, type PartSink } from './sink.ts';
import type { Slot } from './slot-pool.ts';

/**
 * The writer thread's code. A string evaluated in a Worker rather than a module file: started
 * with `execArgv: []`, the worker loads no TypeScript loader (a few MiB instead of tens) and a
 * bundler carries it along. Node builtins only.
 *
 * In: `open` / `reset` / `close` (a stream id), `put` (stream, the slot's ArrayBuffer —
 * transferred —, length, fd, position or -1 for hash-only, request id), `digest`.
 * Out: `{ req, mem }` once a put is hashed and written (the ArrayBuffer transferred back),
 * `{ req, hex }`, `{ req, mem, error }`.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const piece = workerData.writePieceBytes;
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    switch (m.t) {
      case 'open': case 'reset': hashes.set(m.id, createHash('sha256')); break;
      case 'close': hashes.delete(m.id); break;
      case 'put': {
        const view = Buffer.from(m.mem, 0, m.len);
        const hash = hashes.get(m.id);
        // Piece by piece, each hashed then written while it is still in this core's cache.
        for (let at = 0; at < m.len; ) {
          const end = Math.min(at + piece, m.len);
          hash.update(view.subarray(at, end));
          for (let done = at; m.pos >= 0 && done < end; ) {
            const n = writeSync(m.fd, view, done, end - done, m.pos + done);
            if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
            done += n;
          }
          at = end;
        }
        parentPort.postMessage({ req: m.req, mem: m.mem }, [m.mem]);
        break;
      }
      case 'digest': parentPort.postMessage({ req: m.req, hex: hashes.get(m.id).copy().digest('hex') }); break;
    }
  } catch (error) {
    if (m.req === undefined) return;
    const reply = { req: m.req, mem: m.mem, error: { message: String(error && error.message), code: error && error.code } };
    parentPort.postMessage(reply, m.mem ? [m.mem] : []);
  }
});
`;

type ToThread =
  | { t: 'open' | 'reset' | 'close'; id: number }
  | { t: 'put'; id: number; mem: ArrayBuffer; len: number; fd: number; pos: number; req: number }
  | { t: 'digest'; id: number; req: number };

interface FromThread {
  req: number;
  /** A put's slot memory, back from the thread. */
  mem?: ArrayBuffer;
  hex?: string;
  error?: { message: string; code?: string };
}

interface Waiter {
  resolve: (reply: FromThread) => void;
  reject: (error: Error) => void;
  /** Runs first on any reply, error or not (a put takes its memory back). */
  onReply?: (reply: FromThread) => void;
}

/**
 * One thread for the whole process that hashes each slot and writes it to its part file with
 * plain synchronous writes, shared by every download. Why a thread, and why it also writes:
 *
 * - SHA-256 is over a third of a download's CPU (about 0.6 s per GiB with SHA-NI): on this
 *   thread it runs beside the network work of the main thread instead of in turn with it.
 * - Writes from here cost one message per slot instead of one thread-pool hand-off per write,
 *   and they go in `writePieceBytes` pieces, each hashed and then written at once, while it is
 *   still in this core's cache: on the bench machine the kernel's copy into the page cache cost
 *   several times more per byte in 1 MiB writes than in 64 KiB ones, and about 3× more when the
 *   whole slot was hashed before any of it was written (profiled: 1.1 → 0.33 CPU s/GiB).
 * - A disk that throttles writers (dirty-page limits) blocks this thread, never the event loop
 *   nor the libuv pool that DNS lookups share.
 *
 * Unref'd while nothing waits on it, so it never keeps the process alive.
 */
class WriterThread {
  readonly #worker: Worker;
  readonly #waiters = new Map<number, Waiter>();
  #nextRequest = 1;
  #nextStream = 1;
  #failure: CourierError | null = null;

  constructor(writePieceBytes: number) {
    this.#worker = new Worker(workerSource, {
      eval: true,
      execArgv: [],
      name: 'courier-part-writer',
      workerData: { writePieceBytes },
      // It allocates a few small objects per slot: a small young generation keeps its RSS down (~5 MiB measured).
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    this.#worker.on('message', (reply: FromThread) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(new CourierError('INTERNAL', `the part writer thread failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => this.#fail(new CourierError('INTERNAL', `the part writer thread exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
  }

  get failed(): boolean {
    return this.#failure !== null;
  }

  openStream(): number {
    const id = this.#nextStream++;
    this.post({ t: 'open', id });
    return id;
  }

  post(message: ToThread): void {
    if (!this.#failure) this.#worker.postMessage(message);
  }

  /** Lends the slot's memory to the thread (transferred: no copy) and puts it back in the slot when it returns. */
  async put(id: number, slot: Slot, length: number, fd: number, position: number | null): Promise<void> {
    const memory = slot.memory;
    // Slots are whole ArrayBuffers (slot-pool.ts), so the transfer moves exactly the slot.
    const mem = memory.buffer as ArrayBuffer;
    let settled = false;
    try {
      await this.#request((req) => ({ t: 'put', id, mem, len: length, fd, pos: position ?? -1, req }), [mem], (reply) => {
        settled = true;
        if (reply.mem) slot.memory = Buffer.from(reply.mem);
      });
    } finally {
      // Never returned (the thread died): the slot keeps a detached, empty buffer and is not pooled again.
      if (!settled) slot.memory = Buffer.alloc(0);
    }
  }

  async digest(id: number): Promise<string> {
    const reply = await this.#request((req) => ({ t: 'digest', id, req }));
    return reply.hex!;
  }

  #request(make: (req: number) => ToThread, transfer: ArrayBuffer[] = [], onReply?: (reply: FromThread) => void): Promise<FromThread> {
    if (this.#failure) return Promise.reject(this.#failure);
    const req = this.#nextRequest++;
    // Ref'd while an answer is awaited: an unref'd worker alone would let the process exit under it.
    if (this.#waiters.size === 0) this.#worker.ref();
    return new Promise<FromThread>((resolve, reject) => {
      this.#waiters.set(req, { resolve, reject, ...(onReply ? { onReply } : {}) });
      this.#worker.postMessage(make(req), transfer);
    });
  }

  #settle(reply: FromThread): void {
    const waiter = this.#waiters.get(reply.req);
    if (!waiter) return;
    this.#waiters.delete(reply.req);
    if (this.#waiters.size === 0) this.#worker.unref();
    waiter.onReply?.(reply);
    // The node:fs error's errno travels as `code`, so disk-error.ts maps it (ENOSPC → DISK_ERROR).
    if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
    else waiter.resolve(reply);
  }

  #fail(error: CourierError): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
    if (shared === this) shared = null;
  }
}

let shared: WriterThread | null = null;

/** A part file's stream on the shared writer thread. */
class ThreadSink implements PartSink {
  readonly #thread: WriterThread;
  readonly #fd: number;
  readonly #id: number;

  constructor(thread: WriterThread, handle: FileHandle) {
    this.#thread = thread;
    this.#fd = handle.fd;
    this.#id = thread.openStream();
  }

  put(slot: Slot, length: number, position: number | null): Promise<void> {
    return this.#thread.put(this.#id, slot, length, this.#fd, position);
  }

  reset(): void {
    this.#thread.post({ t: 'reset', id: this.#id });
  }

  digest(): Promise<string> {
    return this.#thread.digest(this.#id);
  }

  close(): void {
    this.#thread.post({ t: 'close', id: this.#id });
  }
}

/**
 * The sink for a part file open as `handle`: on the shared writer thread (started on first use),
 * or on this thread when `thread` is false or a worker cannot be started. The shared thread keeps
 * the `writePieceBytes` it was started with. Known limit: one thread serves every download of the
 * process, so a disk that stalls a write (a hung network mount) stalls the others' writes too.
 */
export function createSink(handle: FileHandle, thread: boolean, writePieceBytes: number): PartSink {
  if (!thread) return new InlineSink(handle, writePieceBytes);
  try {
    if (!shared || shared.failed) shared = new WriterThread(writePieceBytes);
    return new ThreadSink(shared, handle);
  } catch {
    return new InlineSink(handle, writePieceBytes);
  }
}
