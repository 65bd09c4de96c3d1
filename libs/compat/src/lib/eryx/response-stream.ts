import { CourierError } from '@courier/origin';
import { headerHasToken, parseContentLength, parseHeaderLines } from './headers.ts';
import type { ResponseHead } from './response-head.ts';
import type { SocketIo } from './socket-io.ts';

/** Default and largest piece `read()` returns, in bytes. */
export const DEFAULT_READ_BYTES = 65536;
const MAX_CHUNK_LINE = 4096;

type Framing = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'chunked'; inChunk: number } | { kind: 'close' };

/** What the stream needs from its connection. */
export interface StreamOwner {
  /** The body has been read to its end: close the socket unless it is kept alive. */
  finished(stream: HttpResponseStream, keepAlive: boolean): void;
  /** The body failed (framing error, cut, timeout): the connection is unusable. */
  failed(stream: HttpResponseStream): void;
  /** Current read timeout in milliseconds (0 = none). */
  readTimeoutMs(): number;
}

function framingOf(head: ResponseHead, method: string): Framing {
  const { status, headers } = head;
  // responseMustNotHaveBody: HEAD, interim 1xx (not 101), 204, 304.
  if (method === 'HEAD' || (status >= 100 && status < 200 && status !== 101) || status === 204 || status === 304) return { kind: 'none' };
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined && cl !== undefined) throw new CourierError('PROTOCOL_ERROR', 'HTTP response must not include both Transfer-Encoding and Content-Length');
  if (te !== undefined) {
    const codings = te.split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') throw new CourierError('PROTOCOL_ERROR', 'Unsupported Transfer-Encoding in HTTP response');
    return { kind: 'chunked', inChunk: 0 };
  }
  if (cl !== undefined) {
    const length = parseContentLength(cl);
    return length > 0 ? { kind: 'length', remaining: length } : { kind: 'none' };
  }
  return status >= 200 ? { kind: 'close' } : { kind: 'none' };
}

function keepAliveOf(head: ResponseHead, framing: Framing): boolean {
  if (framing.kind === 'close') return false;
  const connection = head.headers['connection'];
  if (head.httpVersion === 'HTTP/1.0') return headerHasToken(connection, 'keep-alive');
  return !headerHasToken(connection, 'close');
}

/**
 * A response whose body is read on demand (`getResponseStream`). `read()` returns `null` at the
 * end of the body (the `f901b54d` contract). A body cut short, a stalled read or broken framing
 * throws a CourierError (Eryx returns a short body: see README).
 */
export class HttpResponseStream {
  readonly status: number;
  readonly reason: string;
  readonly headers: Record<string, string>;
  /** Trailers of a chunked body, filled in once it has been read; `{}` otherwise. */
  readonly trailers: Record<string, string> = {};
  readonly httpVersion: string;
  #framing: Framing;
  readonly #keepAlive: boolean;
  readonly #io: SocketIo | null;
  readonly #owner: StreamOwner | null;
  #buffered: Buffer | null;
  #closed = false;
  #done = false;

  constructor(head: ResponseHead, method: string, io: SocketIo | null, owner: StreamOwner | null, buffered: Buffer | null = null) {
    this.status = head.status;
    this.reason = head.reason;
    this.headers = head.headers;
    this.httpVersion = head.httpVersion;
    this.#io = io;
    this.#owner = owner;
    this.#buffered = buffered;
    this.#framing = buffered ? { kind: 'none' } : framingOf(head, method);
    this.#keepAlive = keepAliveOf(head, this.#framing);
  }

  /** A response already read whole (the 100-continue path's prefetched one), as a stream. */
  static buffered(head: ResponseHead, body: Buffer, trailers: Record<string, string>): HttpResponseStream {
    const stream = new HttpResponseStream(head, 'GET', null, null, body);
    Object.assign(stream.trailers, trailers);
    return stream;
  }

  /** Closed by `close()`, or read to its end. */
  get closed(): boolean {
    return this.#closed;
  }

  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  #timeout = (): CourierError => new CourierError('BODY_TIMEOUT', `Timed out reading the HTTP response body (read timeout ${(this.#owner?.readTimeoutMs() ?? 0) / 1000} s)`);

  /** Up to `n` bytes of the body (default 65536); `null` once it has all been read. */
  async read(n = DEFAULT_READ_BYTES): Promise<Buffer | null> {
    if (!Number.isInteger(n) || n < 1) throw new CourierError('BAD_OPTION', `read size must be a positive integer, got ${String(n)}`);
    if (this.#done || this.#closed) return null;
    try {
      const piece = await this.#next(n);
      if (piece === null) this.#finish();
      return piece;
    } catch (error) {
      this.#closed = true;
      this.#done = true;
      this.#owner?.failed(this);
      throw error;
    }
  }

  /** The rest of the body. */
  async readAll(): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (let piece = await this.read(); piece !== null; piece = await this.read()) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  /** Reads and drops the rest of the body so the connection can be reused; a close-delimited body closes it instead. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#framing.kind === 'close' && !this.#done) {
      this.#closed = true;
      this.#done = true;
      this.#owner?.finished(this, false);
      return;
    }
    while ((await this.read()) !== null);
    this.#closed = true;
  }

  /** `close()` by the connection: no more reads, no draining. */
  detach(): void {
    this.#closed = true;
    this.#done = true;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#closed = true;
    this.#owner?.finished(this, this.#keepAlive);
  }

  async #next(n: number): Promise<Buffer | null> {
    if (this.#buffered) {
      const out = this.#buffered.subarray(0, n);
      this.#buffered = this.#buffered.length > n ? this.#buffered.subarray(n) : null;
      return out.length > 0 ? out : null;
    }
    const io = this.#io!;
    const timeoutMs = this.#owner?.readTimeoutMs() ?? 0;
    const f = this.#framing;
    switch (f.kind) {
      case 'none':
        return null;
      case 'close':
        return io.readSome(n, timeoutMs, this.#timeout);
      case 'length': {
        if (f.remaining === 0) return null;
        const piece = await io.readSome(Math.min(n, f.remaining), timeoutMs, this.#timeout);
        if (piece === null) throw new CourierError('CLOSED_PREMATURELY', `Connection closed with ${f.remaining} bytes of the body still to come`);
        f.remaining -= piece.length;
        return piece;
      }
      case 'chunked':
        return this.#nextChunked(io, f, n, timeoutMs);
    }
  }

  async #line(io: SocketIo, timeoutMs: number, what: string): Promise<string | null> {
    const { bytes, complete } = await io.readUntil('\r\n', MAX_CHUNK_LINE, timeoutMs, this.#timeout, () => new CourierError('PROTOCOL_ERROR', `${what} line too long`));
    return complete ? bytes.toString('latin1').slice(0, -2) : null;
  }

  async #nextChunked(io: SocketIo, f: { kind: 'chunked'; inChunk: number }, n: number, timeoutMs: number): Promise<Buffer | null> {
    if (f.inChunk === 0) {
      const line = await this.#line(io, timeoutMs, 'chunk size');
      if (line === null) throw new CourierError('CLOSED_PREMATURELY', 'Malformed chunk size (connection closed in the chunked body)');
      // Extensions after the size are ignored, as Eryx's `^([0-9a-fA-F]+)` does.
      const hex = /^([0-9a-fA-F]+)/.exec(line)?.[1];
      if (hex === undefined || hex.length > 12) throw new CourierError('PROTOCOL_ERROR', 'Malformed chunk size');
      const size = Number.parseInt(hex, 16);
      if (size === 0) {
        await this.#readTrailers(io, timeoutMs);
        return null;
      }
      f.inChunk = size;
    }
    const piece = await io.readSome(Math.min(n, f.inChunk), timeoutMs, this.#timeout);
    if (piece === null) throw new CourierError('CLOSED_PREMATURELY', 'Connection closed in the middle of a chunk');
    f.inChunk -= piece.length;
    if (f.inChunk === 0) {
      const end = await io.readExactly(2, timeoutMs, this.#timeout);
      if (end.toString('latin1') !== '\r\n') {
        throw new CourierError(end.length < 2 ? 'CLOSED_PREMATURELY' : 'PROTOCOL_ERROR', 'Malformed chunk terminator');
      }
    }
    return piece;
  }

  async #readTrailers(io: SocketIo, timeoutMs: number): Promise<void> {
    const lines: string[] = [];
    for (let total = 0; ; ) {
      const line = await this.#line(io, timeoutMs, 'trailer');
      if (line === null) throw new CourierError('CLOSED_PREMATURELY', 'Connection closed in the trailers of the chunked body');
      if (line === '') break;
      total += line.length;
      if (total > 64 * 1024) throw new CourierError('HEADERS_TOO_LARGE', 'trailers larger than 64 KiB');
      lines.push(line);
    }
    Object.assign(this.trailers, parseHeaderLines(lines));
  }
}
