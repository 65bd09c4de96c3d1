import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The API token and the session cookies derived from it. Comparisons hash both sides first, so
 * `timingSafeEqual` always compares 32 bytes and the time taken says nothing about the length
 * or the prefix of the secret.
 */
export class TokenGuard {
  readonly #tokenDigest: Buffer;
  readonly #sessionKey: Buffer;

  constructor(token: string) {
    this.#tokenDigest = sha256(token);
    // A key of its own for session MACs: a cookie never contains anything the token can be read back from.
    this.#sessionKey = sha256(`courier-session\0${token}`);
  }

  /** Constant-time check of a presented token. */
  matches(given: string): boolean {
    return timingSafeEqual(sha256(given), this.#tokenDigest);
  }

  /**
   * A stateless session value, `<expiresAtMs>.<mac>`: nothing is stored server-side, and a new
   * token invalidates every session at once.
   */
  issueSession(expiresAtMs: number): string {
    return `${expiresAtMs}.${this.#mac(expiresAtMs)}`;
  }

  /** True when the cookie value was issued with this token and has not expired at `nowMs`. */
  verifySession(value: string, nowMs: number): boolean {
    const dot = value.indexOf('.');
    if (dot <= 0) return false;
    const expiresText = value.slice(0, dot);
    if (!/^\d{1,16}$/.test(expiresText)) return false;
    const expiresAtMs = Number(expiresText);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#mac(expiresAtMs), 'base64url');
    if (given.length !== expected.length) return false;
    return timingSafeEqual(given, expected) && expiresAtMs > nowMs;
  }

  #mac(expiresAtMs: number): string {
    return createHmac('sha256', this.#sessionKey).update(String(expiresAtMs)).digest('base64url');
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
