import { CourierError } from './errors.ts';
import { isReplayable } from './replayable-body.ts';
import { withoutHeaders } from './validate.ts';
import type { BodyInit } from './types.ts';

export interface Hop {
  url: URL;
  method: string;
  headers: string[];
  body: BodyInit;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Credentials (and a caller's Host) never follow a request to another origin. */
const originBoundHeaders = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);
/** A body dropped on a method change takes its description with it. */
const bodyHeaders = new Set(['content-length', 'content-type', 'content-encoding', 'content-language', 'content-location']);

export function isRedirect(status: number, location: string | string[] | undefined): location is string {
  return redirectStatuses.has(status) && typeof location === 'string' && location.length > 0;
}

/**
 * The next hop of a redirect, or null when it cannot be followed and the 3xx is the answer
 * (a streamed body cannot be sent twice).
 */
export function nextHop(status: number, location: string, current: Hop, allowInsecure: boolean): Hop | null {
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch (cause) {
    throw new CourierError('PROTOCOL_ERROR', `redirect to a malformed location ${JSON.stringify(location.slice(0, 200))}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CourierError('REDIRECT_REFUSED', `redirect to unsupported scheme ${url.protocol}`);
  }
  if (current.url.protocol === 'https:' && url.protocol === 'http:' && !allowInsecure) {
    throw new CourierError('REDIRECT_REFUSED', `redirect from https to http refused: ${url.origin}`);
  }
  let { method, headers, body } = current;
  // RFC 9110 §15.4.4: 303 See Other → GET (HEAD stays HEAD), without the body.
  // RFC 9110 §15.4.2/§15.4.3: 301/302 after POST → GET, as every user agent does.
  if ((status === 303 && method !== 'HEAD' && method !== 'GET') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = null;
    headers = withoutHeaders(headers, bodyHeaders);
  } else if (!isReplayable(body)) {
    // RFC 9110 §15.4.8/§15.4.9: 307/308 resend method and body; a consumed stream can't be.
    return null;
  }
  if (url.origin !== current.url.origin) headers = withoutHeaders(headers, originBoundHeaders);
  url.hash = '';
  return { url, method, headers, body };
}
