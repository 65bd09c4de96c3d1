import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The API token (sessions are in `session-store.ts`). Comparisons hash both sides first, so
 * `timingSafeEqual` always compares 32 bytes and the time taken says nothing about the length
 * or the prefix of the secret.
 */
export class TokenGuard {
  readonly #tokenDigest: Buffer;

  constructor(token: string) {
    this.#tokenDigest = sha256(token);
  }

  /** Constant-time check of a presented token. */
  matches(given: string): boolean {
    return timingSafeEqual(sha256(given), this.#tokenDigest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
