import { CourierError, normaliseHeaders } from '@courier/origin';
import { isTable, luaType } from '../shared/lua.ts';
import { DEFAULT_BUFSZ, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_MS, IDF_ZERO_TIMEOUT_MS } from './constants.ts';

/** The options table of `createConnection`, `get`, `post` and `put`. Unknown keys are ignored. */
export interface NodeMcuOptions {
  /** Run requests asynchronously: `request()` returns at once and results arrive through callbacks. Default false. */
  async?: boolean;
  /** Largest body piece handed to one `data` callback, in bytes. Default 512. */
  bufsz?: number;
  /** PEM CA certificate(s) trusted for HTTPS, on top of the system's. Ignored for http. */
  cert?: string;
  /** Request headers. Only entries whose name and value are both strings apply (as in the firmware). */
  headers?: Record<string, unknown>;
  /** Redirects followed per request; 0 returns 3xx responses as they are. Default 10. */
  max_redirects?: number;
  /**
   * Timeout of each socket operation, in milliseconds: the connect (TCP and TLS), the wait for
   * the response head and each wait for body data. Default 10000; 0 means ESP-IDF's 5000.
   */
  timeout?: number;
}

export interface ParsedOptions {
  async: boolean;
  bufsz: number;
  cert: string | undefined;
  headers: Array<[string, string]>;
  maxRedirects: number;
  timeoutMs: number;
}

type LuaKind = 'number' | 'string' | 'boolean' | 'table';

/** `opt_get`: a present option of the wrong type is an error worded as the firmware words it. */
function option(table: Record<string, unknown>, name: string, kind: LuaKind, fn: string): unknown {
  const value = table[name];
  if (value === undefined || value === null) return undefined;
  const actual = luaType(value);
  if (actual !== kind) throw new CourierError('BAD_OPTION', `bad option ${name} to '${fn}' (${kind} expected, got ${actual})`);
  return value;
}

function integer(value: unknown): number | undefined {
  return value === undefined ? undefined : Math.trunc(value as number);
}

/** Headers as the firmware applies them: string → string entries only, validated here (CR/LF refused). */
export function stringHeaders(table: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(table)) {
    if (typeof value !== 'string') continue;
    normaliseHeaders([[name, value]]);
    out.push([name, value]);
  }
  return out;
}

/** Reads an options argument; anything but a table is ignored (the firmware's `lua_settop`). */
export function parseOptions(value: unknown, fn: string): ParsedOptions {
  const table = isTable(value) ? value : {};
  const timeout = integer(option(table, 'timeout', 'number', fn));
  const bufsz = integer(option(table, 'bufsz', 'number', fn));
  const redirects = integer(option(table, 'max_redirects', 'number', fn));
  const async = option(table, 'async', 'boolean', fn) as boolean | undefined;
  const cert = option(table, 'cert', 'string', fn) as string | undefined;
  const headers = option(table, 'headers', 'table', fn) as Record<string, unknown> | undefined;
  return {
    async: async ?? false,
    bufsz: bufsz !== undefined && bufsz > 0 ? bufsz : DEFAULT_BUFSZ,
    cert,
    headers: headers ? stringHeaders(headers) : [],
    // 0 turns redirects off, a positive value sets the limit, anything else keeps IDF's 10.
    maxRedirects: redirects !== undefined && redirects >= 0 ? redirects : DEFAULT_MAX_REDIRECTS,
    timeoutMs: timeout === undefined ? DEFAULT_TIMEOUT_MS : timeout <= 0 ? IDF_ZERO_TIMEOUT_MS : timeout,
  };
}
