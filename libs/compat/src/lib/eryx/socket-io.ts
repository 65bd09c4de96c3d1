import type { Socket } from 'node:net';
import { CourierError, toCourierError } from '@courier/origin';

/** Bytes read ahead of the parser before the socket is paused (backpressure to the peer). */
const READ_AHEAD_BYTES = 256 * 1024;

export type TimeoutError = () => CourierError;

/**
 * The byte-level side of one Eryx connection: a read-ahead buffer (Eryx's `_leftover`) over
 * the socket, each read and each write bounded by its phase's timeout, and the peer paused
 * when the parser falls behind.
 */
export class SocketIo {
  readonly socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #eof = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      this.#buf = this.#buf.length === 0 ? data : Buffer.concat([this.#buf, data]);
      if (this.#buf.length >= READ_AHEAD_BYTES) socket.pause();
      this.#notify();
    });
    socket.on('end', () => {
      this.#eof = true;
      this.#notify();
    });
    socket.on('error', (error: Error) => {
      this.#error ??= error;
      this.#notify();
    });
    socket.on('close', () => {
      this.#eof = true;
      this.#notify();
    });
  }

  /** The peer closed (or the socket failed) and nothing is left to read: a stale keep-alive socket. */
  get finished(): boolean {
    return (this.#eof || this.#error !== null || this.socket.destroyed) && this.#buf.length === 0;
  }

  get buffered(): number {
    return this.#buf.length;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits for more bytes. False at end of stream; throws on a socket error or the timeout. */
  async #more(timeoutMs: number, onTimeout: TimeoutError): Promise<boolean> {
    if (this.#error) throw toCourierError(this.#error);
    if (this.#eof) return false;
    const before = this.#buf.length;
    if (this.socket.isPaused()) this.socket.resume();
    await new Promise<void>((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.#wake = null;
        reject(onTimeout());
      }, timeoutMs) : null;
      this.#wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
    if (this.#buf.length > before) return true;
    if (this.#error) throw toCourierError(this.#error);
    return !this.#eof;
  }

  #take(n: number): Buffer {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    if (this.#buf.length < READ_AHEAD_BYTES && this.socket.isPaused()) this.socket.resume();
    return out;
  }

  /**
   * Bytes up to and including `delimiter`; at end of stream whatever is left (possibly empty)
   * with `complete: false`. More than `maxBytes` without the delimiter throws `tooLong()`.
   */
  async readUntil(delimiter: string, maxBytes: number, timeoutMs: number, onTimeout: TimeoutError, tooLong: () => CourierError): Promise<{ bytes: Buffer; complete: boolean }> {
    let from = 0;
    for (;;) {
      const at = this.#buf.indexOf(delimiter, from, 'latin1');
      if (at >= 0) return { bytes: Buffer.from(this.#take(at + delimiter.length)), complete: true };
      if (this.#buf.length > maxBytes) throw tooLong();
      from = Math.max(0, this.#buf.length - delimiter.length + 1);
      if (!(await this.#more(timeoutMs, onTimeout))) return { bytes: Buffer.from(this.#take(this.#buf.length)), complete: false };
    }
  }

  /** Exactly `n` bytes, or fewer at end of stream. */
  async readExactly(n: number, timeoutMs: number, onTimeout: TimeoutError): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (!(await this.#more(timeoutMs, onTimeout))) break;
    }
    return Buffer.from(this.#take(Math.min(n, this.#buf.length)));
  }

  /** Between 1 and `max` bytes, or null at end of stream. */
  async readSome(max: number, timeoutMs: number, onTimeout: TimeoutError): Promise<Buffer | null> {
    while (this.#buf.length === 0) {
      if (!(await this.#more(timeoutMs, onTimeout))) return null;
    }
    return Buffer.from(this.#take(Math.min(max, this.#buf.length)));
  }

  /** Writes `data`; resolves once the socket has taken it (flushed to the kernel). */
  write(data: Buffer | string, timeoutMs: number, onTimeout: TimeoutError): Promise<void> {
    if (this.#error) return Promise.reject(toCourierError(this.#error));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = timeoutMs > 0 ? setTimeout(() => {
        settled = true;
        const error = onTimeout();
        this.socket.destroy(error);
        reject(error);
      }, timeoutMs) : null;
      this.socket.write(data, (error) => {
        if (timer) clearTimeout(timer);
        if (settled) return;
        settled = true;
        if (error) reject(toCourierError(error));
        else resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
