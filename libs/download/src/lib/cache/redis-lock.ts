import { randomBytes } from 'node:crypto';
import { loadScriptSet } from '@courier/redis-scripts';
import type { Redis } from 'ioredis';

/** The lock's Lua scripts (`commands/`), registered on a connection as `courier:download:<name>:<hash>`. */
const lockScripts = loadScriptSet(new URL('./commands/', import.meta.url), 'download', ['renewLock', 'releaseLock']);

/**
 * A lock held in Redis (`SET key token NX PX ttl`), renewed every third of its lifetime while
 * held and released only by its owner. If renewal fails for longer than the lifetime, or Redis
 * says another owner has it, `lost` fires: whoever uses the lock must stop.
 */
export class RedisLock {
  readonly key: string;
  readonly #redis: Redis;
  readonly #token: string;
  readonly #ttlMs: number;
  readonly #lost = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #lastRenewed: number;
  #released = false;

  private constructor(redis: Redis, key: string, token: string, ttlMs: number) {
    this.#redis = redis;
    this.key = key;
    this.#token = token;
    this.#ttlMs = ttlMs;
    this.#lastRenewed = Date.now();
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  /** The lock when it was free; null when another owner holds it. Redis errors are thrown. */
  static async tryAcquire(redis: Redis, key: string, ttlMs: number): Promise<RedisLock | null> {
    const token = randomBytes(16).toString('hex');
    const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new RedisLock(redis, key, token, ttlMs) : null;
  }

  /** Fires when the lock can no longer be trusted. */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  async #renew(): Promise<void> {
    if (this.#released) return;
    try {
      const renewed = await lockScripts.run(this.#redis, 'renewLock', [this.key], [this.#token, this.#ttlMs]);
      if (renewed === 1) this.#lastRenewed = Date.now();
      else this.#markLost('the lock was taken over');
    } catch {
      // A blip is not a loss: only once the lock may have expired can another process hold it.
      if (Date.now() - this.#lastRenewed >= this.#ttlMs) this.#markLost('the lock could not be renewed in time');
    }
  }

  #markLost(why: string): void {
    clearInterval(this.#timer);
    if (!this.#lost.signal.aborted) this.#lost.abort(new Error(why));
  }

  /** Releases if still the owner; never throws (the lock expires by itself if Redis is away). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    try {
      await lockScripts.run(this.#redis, 'releaseLock', [this.key], [this.#token]);
    } catch {
      // Expires after its TTL.
    }
  }
}
