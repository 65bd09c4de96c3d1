import { isTable } from '../shared/lua.ts';

/** The `opts` table of `http.request` (C.3). Keys of the wrong type are ignored, as in LuatOS. */
export interface LuatosOptions {
  /**
   * Total deadline of the request in milliseconds, from before the connect to the last body
   * byte. Below 1000 (0 included) means the default: 5 minutes with `dst`, 60 s otherwise.
   */
  timeout?: number;
  /** Download the body to this file (under the download root); the body result is then the byte count. */
  dst?: string;
  /** Network adapter index: accepted and ignored (one network stack here). */
  adapter?: number;
  /** Verbose logging in LuatOS: accepted and ignored (libraries here never log). */
  debug?: boolean;
  /** Try IPv6 first for a name with both families (IPv4 first otherwise; both are tried). */
  ipv6?: boolean;
  /** Progress: `(contentLen, bodyLen, userdata)` at the response head and after every body piece. */
  callback?: (contentLen: number, bodyLen: number, userdata: unknown) => unknown;
  /** Third argument of `callback`. */
  userdata?: unknown;
  /** FOTA (firmware update) mode: ignored, as in a LuatOS build without `LUAT_USE_FOTA`. */
  fota?: unknown;
}

export interface ParsedOptions {
  timeout: number | undefined;
  dst: string | undefined;
  ipv6: boolean;
  callback: LuatosOptions['callback'];
  userdata: unknown;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
/** `HTTP_RESP_BUFF_SIZE`: the whole response head must fit in it, else -6. */
export const RESPONSE_HEAD_LIMIT = 8192;

const methods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

export function parseOptions(value: unknown): ParsedOptions {
  const o = isTable(value) ? value : {};
  const pick = <T>(key: string, type: string): T | undefined => (typeof o[key] === type ? (o[key] as T) : undefined);
  const callback = pick<LuatosOptions['callback']>('callback', 'function');
  return {
    timeout: pick<number>('timeout', 'number'),
    dst: pick<string>('dst', 'string'),
    ipv6: pick<boolean>('ipv6', 'boolean') ?? false,
    callback,
    // userdata is read only when there is a callback.
    userdata: callback ? o['userdata'] : undefined,
  };
}

/** The deadline in ms: below 1000 means the default (C.3). */
export function totalTimeoutMs(options: ParsedOptions): number {
  const t = options.timeout;
  if (t !== undefined && Number.isFinite(t) && t >= 1000) return Math.trunc(t);
  return options.dst !== undefined ? DEFAULT_DOWNLOAD_TIMEOUT_MS : DEFAULT_TIMEOUT_MS;
}

/** `http_set_url`'s method check: exactly one of five upper-case names (HEAD included: refused). */
export function checkMethod(method: unknown): string | null {
  const m = method === undefined || method === null ? 'GET' : typeof method === 'number' ? String(method) : method;
  if (typeof m !== 'string' || m.length > 11 || !methods.has(m)) return null;
  return m;
}

/** The URL checks of `http_set_url` (C.2): the scheme is case-sensitive, the rest must not be tiny. */
export function checkUrl(url: unknown): URL | null {
  if (typeof url !== 'string') return null;
  const match = /^(https?):\/\//.exec(url);
  if (!match || url.length - match[0].length < 5) return null;
  if (/[\r\n\t\0]/.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.hostname.length > 255) return null;
  return parsed;
}

/**
 * Request headers from the `headers` table: string (or number) values only; an empty name or
 * value is dropped; Content-Length and Connection belong to the client; Host is the caller's if given.
 */
export function requestHeaders(table: unknown, url: URL): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let hasHost = false;
  if (isTable(table)) {
    for (const [name, raw] of Object.entries(table)) {
      const value = typeof raw === 'number' ? String(raw) : raw;
      if (typeof value !== 'string' || name === '' || value === '') continue;
      const lower = name.toLowerCase();
      if (lower === 'content-length' || lower.startsWith('connection')) continue;
      if (lower === 'host') hasHost = true;
      out.push([name, value]);
    }
  }
  // LuatOS always names the port, 80 and 443 included.
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (!hasHost) out.unshift(['Host', `${url.hostname}:${port}`]);
  return out;
}

/** A string is sent as is, a number as its text, bytes as bytes; anything else (a table) is ignored. */
export function requestBody(body: unknown): string | Uint8Array | null {
  if (typeof body === 'string') return body;
  if (typeof body === 'number') return String(body);
  if (body instanceof Uint8Array) return body;
  return null;
}
