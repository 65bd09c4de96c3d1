import { CourierError } from '@courier/origin';
import { parseHeaderLines } from './headers.ts';
import type { SocketIo } from './socket-io.ts';

/** Largest response head accepted, in bytes (Eryx has no limit; an endless head would fill memory). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  httpVersion: string;
  status: number;
  reason: string;
  headers: Record<string, string>;
}

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 120).toString('latin1'));
}

/** Reads and parses one response head (status line and header lines), with Eryx's error messages. */
export async function readHead(io: SocketIo, readTimeoutMs: number): Promise<ResponseHead> {
  const { bytes, complete } = await io.readUntil(
    '\r\n\r\n',
    MAX_HEAD_BYTES,
    readTimeoutMs,
    () => new CourierError('HEADERS_TIMEOUT', `Timed out waiting for the HTTP response (read timeout ${readTimeoutMs / 1000} s)`),
    () => new CourierError('HEADERS_TOO_LARGE', `HTTP response head larger than ${MAX_HEAD_BYTES} bytes`),
  );
  if (bytes.length === 0) throw new CourierError('CLOSED_PREMATURELY', 'Connection closed before receiving HTTP response');
  const text = bytes.toString('latin1');
  if (!text.includes('\r\n')) throw new CourierError('PROTOCOL_ERROR', `Malformed HTTP response (no CRLF found): ${preview(bytes)}`);
  // Eryx parses whatever arrived before the close as if it were a whole head; a cut head is an error here.
  if (!complete) throw new CourierError('CLOSED_PREMATURELY', `Connection closed in the middle of the HTTP response head: ${preview(bytes)}`);
  const lines = text.slice(0, -4).split('\r\n');
  const match = /^(HTTP\/\d+\.\d+)\s+(\d+)\s*(.*)/.exec(lines[0]!);
  if (!match) throw new CourierError('PROTOCOL_ERROR', `Malformed HTTP status line: ${JSON.stringify(lines[0]!.slice(0, 120))}`);
  return { httpVersion: match[1]!, status: Number(match[2]), reason: match[3] ?? '', headers: parseHeaderLines(lines.slice(1)) };
}
