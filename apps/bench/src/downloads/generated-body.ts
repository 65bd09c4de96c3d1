import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Length of the block the body repeats, in bytes: 1 MiB + 7, so the pattern never lines up with
 * the power-of-two sizes of socket reads, write batches or ranges (a misplaced chunk changes the
 * digest).
 */
export const BLOCK_BYTES = 1024 * 1024 + 7;

/**
 * A large body generated on the fly from one random block (never stored anywhere): byte `i` is
 * `block[i % BLOCK_BYTES]`. Random, so neither side can compress it or skip work on zeros.
 */
export class GeneratedBody {
  readonly size: number;
  readonly etag: string;
  readonly #block: Buffer;
  #sha256: string | null = null;

  constructor(size: number, block: Buffer = randomBytes(BLOCK_BYTES)) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`body size must be an integer ≥ 0, got ${size}`);
    if (block.length !== BLOCK_BYTES) throw new RangeError(`block must be ${BLOCK_BYTES} bytes`);
    this.size = size;
    this.#block = block;
    this.etag = `"bench-${size}-${createHash('sha256').update(block).digest('hex').slice(0, 16)}"`;
  }

  /** Views (no copies) covering bytes `start` to `end` (exclusive), each at most one block long. */
  *chunks(start: number, end: number): Generator<Buffer> {
    let at = start;
    while (at < end) {
      const inBlock = at % BLOCK_BYTES;
      const length = Math.min(BLOCK_BYTES - inBlock, end - at);
      yield this.#block.subarray(inBlock, inBlock + length);
      at += length;
    }
  }

  /** SHA-256 (hex) of the whole body, computed once (about a second per GiB with SHA-NI). */
  sha256(): string {
    if (this.#sha256 === null) {
      const hash = createHash('sha256');
      for (const chunk of this.chunks(0, this.size)) hash.update(chunk);
      this.#sha256 = hash.digest('hex');
    }
    return this.#sha256;
  }
}

/** `bytes=N-` or `bytes=N-M` (one range; enough for downloaders) → [start, end exclusive], or null to ignore it. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || last < start) return 'unsatisfiable';
  return [start, last + 1];
}

/** Bytes a response handler has handed to the kernel (write callbacks run), for the server's stats. */
export interface BodyCounters {
  requests: number;
  rangeRequests: number;
  bytesSent: number;
}

/**
 * The request handler: `GET|HEAD /body` with `Range` (`If-Range` on the ETag), anything else
 * 404. The body is written block by block with backpressure, so the server holds one block.
 */
export function serveBody(body: GeneratedBody, counters: BodyCounters) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/body' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    counters.requests += 1;
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === body.etag ? parseRange(req.headers.range, body.size) : null;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${body.size}`, etag: body.etag, 'content-length': 0 }).end();
      return;
    }
    const [start, end] = range ?? [0, body.size];
    if (range) counters.rangeRequests += 1;
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': end - start,
      'accept-ranges': 'bytes',
      etag: body.etag,
      ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${body.size}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    void pump(res, body.chunks(start, end), counters);
  };
}

async function pump(res: ServerResponse, chunks: Iterator<Buffer>, counters: BodyCounters): Promise<void> {
  for (let next = chunks.next(); !next.done; next = chunks.next()) {
    if (res.destroyed) return;
    const chunk = next.value;
    const more = res.write(chunk, (error) => {
      if (!error) counters.bytesSent += chunk.length;
    });
    if (!more) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}
