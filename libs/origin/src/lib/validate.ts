import { CourierError } from './errors.ts';
import type { HeadersInit, HeaderValue } from './types.ts';

// RFC 9110 §5.6.2: a token is one or more tchar.
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// CR, LF and NUL split or truncate a request line or a header line: request smuggling.
const forbiddenValueChars = /[\r\n\0]/;
// The WHATWG URL parser silently *removes* tabs and newlines, so the raw string is checked first.
const forbiddenUrlChars = /[\r\n\t\0]/;

/** undici manages these itself; a caller's value would corrupt the framing or the pool. */
const managedHeaders = new Set(['transfer-encoding', 'keep-alive', 'upgrade', 'expect']);

// fetch's method normalisation (Fetch §2.2.1): these are upper-cased, others are sent as given.
const normalisedMethods: Readonly<Record<string, string>> = {
  delete: 'DELETE', get: 'GET', head: 'HEAD', options: 'OPTIONS', post: 'POST', put: 'PUT', patch: 'PATCH',
};

/**
 * `url` without its `user:password@` part (a password may be a token): for what people and logs
 * see, and for callers that must not send credentials. A string that is not a URL, or has no
 * userinfo, comes back as it was (no `@`: not even parsed).
 */
export function withoutUserinfo(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * The `authorization` value URL userinfo stands for (`Basic base64(user:password)`, each part
 * percent-decoded), or null when the URL has none. Userinfo is never sent as part of the target.
 */
export function userinfoAuthorization(url: URL): string | null {
  if (!url.username && !url.password) return null;
  return `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
}

export function parseUrl(input: string | URL): URL {
  if (input instanceof URL) return checkScheme(new URL(input.href));
  if (typeof input !== 'string') throw new CourierError('BAD_URL', `URL must be a string, got ${typeof input}`);
  if (forbiddenUrlChars.test(input)) throw new CourierError('BAD_URL', "URL can't contain CR, LF, TAB or NUL");
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new CourierError('BAD_URL', `malformed URL: ${JSON.stringify(input.length > 200 ? `${input.slice(0, 200)}…` : input)}`, { cause });
  }
  return checkScheme(url);
}

function checkScheme(url: URL): URL {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CourierError('UNSUPPORTED_SCHEME', `unsupported scheme ${JSON.stringify(url.protocol.slice(0, -1))}: only http and https`);
  }
  if (!url.hostname) throw new CourierError('BAD_URL', 'URL has no host');
  return url;
}

export function normaliseMethod(method: string | undefined, verbatim = false): string {
  if (method === undefined) return 'GET';
  if (typeof method !== 'string' || !tokenRe.test(method)) {
    throw new CourierError('BAD_METHOD', `invalid method ${JSON.stringify(String(method)).slice(0, 80)}: must be an HTTP token`);
  }
  return verbatim ? method : (normalisedMethods[method] ?? method);
}

function checkHeader(name: string, value: string): void {
  if (typeof name !== 'string' || !tokenRe.test(name)) {
    throw new CourierError('BAD_HEADER', `invalid header name ${JSON.stringify(String(name)).slice(0, 80)}`);
  }
  if (forbiddenValueChars.test(value)) {
    throw new CourierError('BAD_HEADER', `header ${name}: value can't contain CR, LF or NUL`);
  }
  const lower = name.toLowerCase();
  if (managedHeaders.has(lower)) throw new CourierError('BAD_HEADER', `header ${name} is managed by the client and can't be set`);
  if (lower === 'connection' && value.toLowerCase() !== 'close' && value.toLowerCase() !== 'keep-alive') {
    throw new CourierError('BAD_HEADER', 'header connection: only "close" or "keep-alive"');
  }
}

function valueToString(name: string, value: HeaderValue): string | string[] {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new CourierError('BAD_HEADER', `header ${name}: value must be a string, a number or an array of strings`);
}

/**
 * Validated headers as undici's flat `[name, value, name, value …]` form (cheapest for it),
 * keeping the caller's casing and order.
 */
export function normaliseHeaders(init: HeadersInit | undefined): string[] {
  const flat: string[] = [];
  if (init === undefined || init === null) return flat;
  if (Array.isArray(init)) {
    for (const pair of init as ReadonlyArray<readonly [string, string]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new CourierError('BAD_HEADER', 'headers array must hold [name, value] pairs');
      const v = valueToString(pair[0], pair[1]);
      for (const one of Array.isArray(v) ? v : [v]) {
        checkHeader(pair[0], one);
        flat.push(pair[0], one);
      }
    }
    return flat;
  }
  if (typeof init !== 'object') throw new CourierError('BAD_HEADER', 'headers must be an object or an array of pairs');
  for (const name of Object.keys(init)) {
    const raw = (init as Record<string, HeaderValue | undefined>)[name];
    if (raw === undefined) continue;
    const v = valueToString(name, raw);
    for (const one of Array.isArray(v) ? v : [v]) {
      checkHeader(name, one);
      flat.push(name, one);
    }
  }
  return flat;
}

export function hasHeader(flat: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === lowerName) return true;
  return false;
}

export function withoutHeaders(flat: readonly string[], lowerNames: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    if (!lowerNames.has(flat[i]!.toLowerCase())) out.push(flat[i]!, flat[i + 1]!);
  }
  return out;
}
