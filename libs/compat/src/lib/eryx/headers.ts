import { CourierError } from '@courier/origin';

/**
 * Eryx's `util.parseHeaders`: names lower-cased, the value without its leading whitespace (the
 * trailing is kept); repeated names joined with ", ", except set-cookie and content-length with
 * "\n". Lines without a colon (obsolete folding included) are skipped.
 */
export function parseHeaderLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    const prev = headers[key];
    if (prev === undefined) headers[key] = value;
    else headers[key] = `${prev}${key === 'set-cookie' || key === 'content-length' ? '\n' : ', '}${value}`;
  }
  return headers;
}

/** `util.headerHasToken`: a comma-separated header holds the token (case-insensitive). */
export function headerHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** `parseContentLength`: every line digits only, all equal. */
export function parseContentLength(value: string): number {
  const lines = value.split('\n');
  let length: number | undefined;
  for (const line of lines) {
    if (!/^\d+$/.test(line)) throw new CourierError('PROTOCOL_ERROR', 'Invalid Content-Length');
    const n = Number(line);
    if (!Number.isSafeInteger(n)) throw new CourierError('PROTOCOL_ERROR', 'Invalid Content-Length');
    if (length !== undefined && n !== length) throw new CourierError('PROTOCOL_ERROR', 'Conflicting Content-Length values');
    length = n;
  }
  return length!;
}

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Request headers, lower-cased as Eryx sends them; refuses what would split the request (CR, LF, NUL). */
export function requestHeaderMap(headers: Record<string, unknown> | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (headers === null || headers === undefined) return out;
  if (typeof headers !== 'object') throw new CourierError('BAD_HEADER', 'headers must be a table of name → value');
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || raw === null) continue;
    const value = typeof raw === 'number' ? String(raw) : raw;
    if (typeof value !== 'string') throw new CourierError('BAD_HEADER', `header ${name}: value must be a string`);
    if (!tokenRe.test(name)) throw new CourierError('BAD_HEADER', `invalid header name ${JSON.stringify(name).slice(0, 80)}`);
    if (/[\r\n\0]/.test(value)) throw new CourierError('BAD_HEADER', `header ${name}: value can't contain CR, LF or NUL`);
    out.set(name.toLowerCase(), value);
  }
  return out;
}
