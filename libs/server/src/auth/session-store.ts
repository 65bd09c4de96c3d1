import { randomBytes } from 'node:crypto';

/** Sessions kept at most; past it the oldest is dropped (its browser signs in again). */
const defaultMaxSessions = 10_000;
/** A session id: 32 random bytes, base64url. */
const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * Server-side sessions: an unguessable id → its expiry. The cookie carries only the id, so a
 * session ends for good on logout (`revoke`) or at its expiry, whatever the browser keeps.
 *
 * Kept in this process's memory, on purpose: sessions are for the dashboard of the server the
 * operator signed in to, and a restart or a new `COURIER_TOKEN` ending every session is the safe
 * outcome. With several API servers behind one balancer, a cookie is known only to the server
 * that issued it: route the dashboard with sticky sessions, or use the bearer token (which every
 * server accepts). Sharing them would mean a Redis round trip on every cookie request.
 *
 * Ids are issued with the same lifetime, so the map's insertion order is expiry order: expired
 * ones are swept from the front, and a full store drops its oldest.
 */
export class SessionStore {
  readonly #expiresAt = new Map<string, number>();
  readonly #maxSessions: number;

  constructor(maxSessions = defaultMaxSessions) {
    this.#maxSessions = maxSessions;
  }

  get size(): number {
    return this.#expiresAt.size;
  }

  /** A new session id valid until `expiresAtMs`. */
  issue(expiresAtMs: number, nowMs: number): string {
    this.#sweep(nowMs);
    if (this.#expiresAt.size >= this.#maxSessions) {
      const oldest = this.#expiresAt.keys().next().value;
      if (oldest !== undefined) this.#expiresAt.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.#expiresAt.set(id, expiresAtMs);
    return id;
  }

  /** True for an id issued here, not revoked, and not expired at `nowMs` (an expired one is forgotten). */
  isValid(id: string, nowMs: number): boolean {
    if (!sessionIdPattern.test(id)) return false;
    const expiresAtMs = this.#expiresAt.get(id);
    if (expiresAtMs === undefined) return false;
    if (expiresAtMs > nowMs) return true;
    this.#expiresAt.delete(id);
    return false;
  }

  /** Ends a session at once (logout); unknown ids are ignored. */
  revoke(id: string): void {
    this.#expiresAt.delete(id);
  }

  #sweep(nowMs: number): void {
    for (const [id, expiresAtMs] of this.#expiresAt) {
      if (expiresAtMs > nowMs) return;
      this.#expiresAt.delete(id);
    }
  }
}
