import { Readable } from 'node:stream';
import { CourierError } from './errors.ts';

/** Bytes buffered before anyone reads the body; past this the socket stops being read. */
const UNCLAIMED_HIGH_WATER_MARK = 64 * 1024;
/**
 * Bytes a streaming consumer may have buffered before the socket pauses. Node's 16 KiB default
 * would pause and resume the socket on every 64 KiB read; 256 KiB keeps large downloads flowing
 * while memory stays bounded.
 */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

type Mode = 'none' | 'collect' | 'stream' | 'dump';

/** What the body needs from the request that feeds it. */
export interface BodySource {
  /** Let the paused producer go on reading the socket. */
  resume(): void;
  /** Stop the transfer (the socket is closed, not reused). */
  abort(reason: CourierError): void;
}

/**
 * A response body fed by undici's `onData` callbacks. Deliberately not a Readable by default:
 * `text()`/`json()`/`arrayBuffer()` collect chunks straight into an array (no stream machinery on
 * the hot path, as undici's own body does when consumed whole); `stream()` and `for await` turn
 * it into a Readable with real backpressure (the socket is paused while the consumer is behind).
 * Errors thrown while reading are CourierErrors.
 */
export class ResponseBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #mode: Mode = 'none';
  #ended = false;
  #error: CourierError | null = null;
  #paused = false;
  #collect: { resolve: (b: Buffer) => void; reject: (e: CourierError) => void } | null = null;
  #readable: Readable | null = null;
  #dumped: { resolve: () => void } | null = null;
  readonly #source: BodySource;

  constructor(source: BodySource) {
    this.#source = source;
  }

  /** True once a consumer has been attached (`text()`, `stream()`, …): a body is read once. */
  get bodyUsed(): boolean {
    return this.#mode !== 'none';
  }

  /** Bytes received so far. */
  get bytesReceived(): number {
    return this.#bytes;
  }

  // ---- producer side (the request handler) ----

  /** @internal Returns false to ask the producer to pause. */
  push(chunk: Buffer): boolean {
    this.#bytes += chunk.length;
    switch (this.#mode) {
      case 'collect':
        this.#chunks.push(chunk);
        return true;
      case 'dump':
        return true;
      case 'stream':
        if (this.#readable!.push(chunk)) return true;
        this.#paused = true;
        return false;
      default:
        this.#chunks.push(chunk);
        if (this.#bytes < UNCLAIMED_HIGH_WATER_MARK) return true;
        this.#paused = true;
        return false;
    }
  }

  /** @internal */
  end(): void {
    if (this.#ended || this.#error) return;
    this.#ended = true;
    if (this.#collect) {
      const chunks = this.#chunks;
      this.#chunks = [];
      this.#collect.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      this.#collect = null;
    } else if (this.#readable) {
      this.#readable.push(null);
    } else if (this.#dumped) {
      this.#dumped.resolve();
    }
  }

  /** @internal */
  fail(err: CourierError): void {
    if (this.#ended || this.#error) return;
    this.#error = err;
    this.#chunks = [];
    if (this.#collect) {
      this.#collect.reject(err);
      this.#collect = null;
    } else if (this.#readable) {
      this.#readable.destroy(err);
    } else if (this.#dumped) {
      // Dumping is best effort: the caller only wanted the socket back.
      this.#dumped.resolve();
    }
  }

  // ---- consumer side ----

  #claim(mode: Mode): void {
    if (this.#mode !== 'none') throw new CourierError('BODY_USED', 'the body has already been read');
    this.#mode = mode;
  }

  #wake(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#source.resume();
    }
  }

  /** The whole body as one Buffer. */
  async bytes(): Promise<Buffer> {
    this.#claim('collect');
    if (this.#error) throw this.#error;
    if (this.#ended) {
      const chunks = this.#chunks;
      this.#chunks = [];
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
    const done = new Promise<Buffer>((resolve, reject) => {
      this.#collect = { resolve, reject };
    });
    this.#wake();
    return done;
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new CourierError('PROTOCOL_ERROR', 'response body is not valid JSON', { cause });
    }
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const buf = await this.bytes();
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }

  /** Read and discard the rest of the body so the socket can be reused. */
  async dump(): Promise<void> {
    if (this.#mode === 'dump') return;
    this.#claim('dump');
    this.#chunks = [];
    if (this.#ended || this.#error) return;
    const done = new Promise<void>((resolve) => {
      this.#dumped = { resolve };
    });
    this.#wake();
    return done;
  }

  /** Stop the transfer; the socket is closed rather than reused. */
  cancel(reason = 'body cancelled by the caller'): void {
    if (this.#ended || this.#error) return;
    this.#source.abort(new CourierError('ABORTED', reason));
  }

  /**
   * The body as a Node Readable with backpressure down to the socket. `highWaterMark` (bytes)
   * is how much may wait in it before the socket pauses.
   */
  stream(options: { highWaterMark?: number } = {}): Readable {
    this.#claim('stream');
    const readable = new Readable({
      highWaterMark: options.highWaterMark ?? STREAM_HIGH_WATER_MARK,
      read: () => this.#wake(),
      destroy: (err, cb) => {
        if (!this.#ended && !this.#error) this.#source.abort(new CourierError('ABORTED', 'body stream destroyed by the caller'));
        cb(err);
      },
    });
    this.#readable = readable;
    for (const chunk of this.#chunks) readable.push(chunk);
    this.#chunks = [];
    if (this.#error) readable.destroy(this.#error);
    else if (this.#ended) readable.push(null);
    return readable;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.stream()[Symbol.asyncIterator]();
  }
}
