import { CourierError, luaType, normaliseHeaders, normaliseMethod, withoutUserinfo, type RequestInit } from '@courier/origin';
import { emitPlutoWarning, WarningCode } from '../warnings.ts';
import { titleCase } from './title-case.ts';

/** Soup's default request headers (reference §1.3), after `Host` and `Connection`, which undici writes. */
export const defaultUserAgent = 'Mozilla/5.0 (compatible; calamity-inc/Soup)';
export const defaultAcceptEncoding = 'deflate, gzip';

/** Pluto's whitelist, plus `require_ecdhe`, which Pluto applies but forgets to whitelist (§1.2). */
const knownOptions = new Set(['url', 'method', 'headers', 'body', 'prefer_ipv6', 'dont_reuse', 'dont_make_reusable', 'require_ecdhe']);

/**
 * Headers the facade never passes on: undici writes `Connection` itself (keep-alive on a
 * reusable socket, close on a one-off), and `Content-Length` comes from the body. Pluto
 * overwrites a user's value for both (reference §9 "Copy").
 */
const overwrittenHeaders = new Set(['Connection', 'Content-Length']);

/**
 * A request ready for `Client.request`: plain data only (it crosses to the worker thread of
 * `@courier/scheduler/sync` as it is).
 */
export interface PlutoRequestSpec {
  url: string;
  init: RequestInit & { headers: Array<[string, string]> };
}

function checkstringError(code: 'BAD_METHOD' | 'BAD_HEADER' | 'BAD_BODY', expected: string, value: unknown): CourierError {
  return new CourierError(code, `bad extra argument #-1 to 'pluto:http.request' (${expected} expected, got ${luaType(value)})`);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof URL);
}

/** Lua's `rawget`: own properties only, never a prototype's. */
function own(options: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(options, key) ? options[key] : undefined;
}

function warnUnknownOptions(options: Record<PropertyKey, unknown>): void {
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key === 'string' && knownOptions.has(key)) continue;
    // A key that is not a string (a symbol here) is warned about and ignored (§9 "Fix").
    emitPlutoWarning(`unrecognized http request option: ${String(key)}`, WarningCode.UNKNOWN_OPTION);
  }
}

/** A fresh copy (callers may edit theirs); written out because it runs once per request. */
function copyDefaultHeaders(): Array<[string, string]> {
  return [
    ['User-Agent', defaultUserAgent],
    ['Accept-Encoding', defaultAcceptEncoding],
  ];
}

/** User headers over the defaults: Title-Cased, replacing a default of the same name, else appended in order. */
function buildHeaders(raw: unknown): Array<[string, string]> {
  const headers = copyDefaultHeaders();
  if (raw === undefined || raw === null) return headers;
  if (!isTable(raw)) throw checkstringError('BAD_HEADER', 'table', raw);
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
    // A Lua table cannot hold nil: an undefined or null value is an absent header.
    else if (value === undefined || value === null) continue;
    else throw checkstringError('BAD_HEADER', 'string', value);
    if (text.includes('\r') || text.includes('\n')) throw new CourierError('BAD_HEADER', "header value can't contain CR or LF");
    const name = titleCase(key);
    if (overwrittenHeaders.has(name)) continue;
    const existing = headers.find(([n]) => n === name);
    if (existing) existing[1] = text;
    else headers.push([name, text]);
  }
  return headers;
}

function readBody(raw: unknown): string | Uint8Array | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string' || raw instanceof Uint8Array) return raw;
  // Lua's checkstring turns a number into its text.
  if (typeof raw === 'number') return String(raw);
  throw checkstringError('BAD_BODY', 'string', raw);
}

function readMethod(raw: unknown): string {
  if (raw === undefined || raw === null) return 'GET';
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return String(raw);
  throw checkstringError('BAD_METHOD', 'string', raw);
}


/**
 * `http.request`'s arguments → a request (reference §1.1–1.3, §8.1–8.3). Bad input throws at
 * the call with Pluto's message, as Lua raises; unknown options warn and are ignored.
 */
export function buildRequest(first: unknown, second?: unknown): PlutoRequestSpec {
  let url: string;
  let options: Record<string, unknown> | null = null;
  if (typeof first === 'string') {
    url = first;
    // Any second argument that is not a table is ignored.
    if (isTable(second)) options = second;
  } else if (first instanceof URL) {
    url = first.href;
    if (isTable(second)) options = second;
  } else if (isTable(first)) {
    const raw = own(first, 'url');
    if (typeof raw !== 'string') throw new CourierError('BAD_URL', "Table is missing 'url' option");
    url = raw;
    options = first;
  } else {
    throw new CourierError('BAD_URL', `bad argument #1 to 'request' (string expected, got ${luaType(first)})`);
  }
  if (url.includes('\r') || url.includes('\n')) throw new CourierError('BAD_URL', "URL can't contain CR or LF");
  // Pluto drops `user:pw@` (no Authorization is sent); the core would turn it into Basic credentials.
  url = withoutUserinfo(url);

  if (options === null) return { url, init: { method: 'GET', headers: copyDefaultHeaders(), maxRedirects: 0 } };

  warnUnknownOptions(options);
  let method = readMethod(own(options, 'method'));
  const headers = buildHeaders(own(options, 'headers'));
  const body = readBody(own(options, 'body'));
  // Soup's setPayload: a method of exactly "GET" becomes "POST" once there is a payload.
  if (body !== null && method === 'GET') method = 'POST';
  // The core's own checks (header names are tokens, the method is a token), run now so bad
  // input throws at the call rather than failing later.
  normaliseHeaders(headers);
  normaliseMethod(method, true);
  return {
    url,
    init: {
      method,
      // Sent as given: `get` goes out as `get` (methods are case-sensitive, RFC 9110 §9.1).
      verbatimMethod: true,
      headers,
      // An options table, no body and a method other than exactly GET: Pluto sends
      // `Content-Length: 0`; an empty payload asks undici for the same (see the README for
      // the methods where undici declines).
      body: body ?? (method === 'GET' ? null : ''),
      preferIpv6: own(options, 'prefer_ipv6') === true,
      dontReuse: own(options, 'dont_reuse') === true,
      dontMakeReusable: own(options, 'dont_make_reusable') === true,
      maxRedirects: 0,
    },
  };
}
