import type { BodyInit } from './types.ts';

/**
 * Whether a request body can be sent again (a stale-socket retry, a 307/308 redirect): no body
 * (`null` or `undefined` — nothing to resend), a string or bytes can; a stream is consumed by the
 * first send and cannot (DESIGN: retries and redirects resend only a replayable body).
 */
export function isReplayable(body: BodyInit | undefined): boolean {
  return body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}
