import type { CourierResponse } from '@courier/origin';
import type { LuatosHeaders } from './result.ts';

/**
 * Headers with the server's name case, last duplicate winning. The value starts at its first
 * non-space character (LuatOS's test of the value's *second* character mangles `"a b"`: a plain
 * bug, see README).
 */
export function luatosHeaders(res: CourierResponse): LuatosHeaders {
  const raw = res.rawHeaders;
  const out: LuatosHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!] = raw[i + 1]!.replace(/^[ \t]+/, '');
  return out;
}

/** Size of the response head as it came on the wire (status line, header lines, blank line). */
export function headBytes(res: CourierResponse): number {
  let n = Buffer.byteLength(`HTTP/1.1 ${res.status} ${res.statusText}\r\n\r\n`);
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += Buffer.byteLength(`${raw[i]}: ${raw[i + 1]}\r\n`, 'latin1');
  return n;
}

/** `atoi(Content-Length)`, or 0 when absent or chunked (C.5). */
export function declaredLength(res: CourierResponse): number {
  const te = res.headers['transfer-encoding'];
  if (te !== undefined && /chunked/i.test(String(te))) return 0;
  const cl = res.headers['content-length'];
  const n = Number.parseInt(Array.isArray(cl) ? (cl[0] ?? '') : (cl ?? ''), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
