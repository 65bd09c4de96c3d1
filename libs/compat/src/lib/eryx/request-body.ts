import { CourierError } from '@courier/origin';

/** Eryx's streaming upload reader: `read(n)` gives the next piece; `null`, `undefined` or an empty piece ends it. */
export interface BodyReader {
  read(size: number): string | Uint8Array | null | undefined | Promise<string | Uint8Array | null | undefined>;
}

/** A streaming body: Eryx's reader, or (for TypeScript callers) any async iterable of pieces. */
export type BodyStream = BodyReader | AsyncIterable<string | Uint8Array>;

/** Upload pieces are asked for in this size, as Eryx does. */
export const UPLOAD_PIECE_BYTES = 65536;

function toBuffer(piece: string | Uint8Array): Buffer {
  return typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
}

/** The pieces of a streaming body, ending at the first null, undefined or empty piece. */
export async function* pieces(stream: BodyStream): AsyncGenerator<Buffer> {
  if (typeof (stream as BodyReader).read === 'function') {
    const reader = stream as BodyReader;
    for (;;) {
      const piece = await reader.read(UPLOAD_PIECE_BYTES);
      if (piece === null || piece === undefined || piece.length === 0) return;
      if (typeof piece !== 'string' && !(piece instanceof Uint8Array)) throw new CourierError('BAD_BODY', 'bodyStream:read() must return a string, bytes or nil');
      yield toBuffer(piece);
    }
  }
  if (typeof (stream as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator] !== 'function') {
    throw new CourierError('BAD_BODY', 'bodyStream must have a read(n) method or be an async iterable');
  }
  for await (const piece of stream as AsyncIterable<string | Uint8Array>) {
    if (piece.length === 0) continue;
    yield toBuffer(piece);
  }
}

export function chunkFrame(piece: Buffer): Buffer[] {
  return [Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1')];
}

export const LAST_CHUNK = '0\r\n\r\n';
