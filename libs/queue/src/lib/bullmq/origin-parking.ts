/**
 * Jobs whose origin is full wait without holding a worker slot and without cycling through the
 * workers: each is moved to BullMQ's delayed set (a long safety-net delay) and its id put on the
 * origin's parked list; when any worker gives back a slot of that origin, the release script pops
 * the oldest parked id (no extra round trip, and none at all when nothing is parked) and the worker
 * promotes that job, which goes back to waiting at once. A wake-up that misses (the job was promoted by
 * its safety net, or is not delayed yet) is skipped and the next id tried.
 */
import { Job, type MinimalQueue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueLogger } from '../driver.ts';
import type { CourierJob } from './bullmq-records.ts';
import type { CourierKeys } from './queue-keys.ts';

/** Parked lists of idle origins go away by themselves. */
const PARKED_TTL_MS = 60 * 60_000;
/** Stale ids tried per wake-up before giving up (the safety net covers the rest). */
const WAKE_TRIES = 8;

export class OriginParking {
  readonly #redis: Redis;
  readonly #keys: CourierKeys;
  readonly #queue: MinimalQueue;
  readonly #logger: QueueLogger | undefined;

  constructor(redis: Redis, keys: CourierKeys, queue: MinimalQueue, logger?: QueueLogger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#queue = queue;
    this.#logger = logger;
  }

  /** Parks an active job on `origin` for at most `safetyMs`; the caller then throws `DelayedError`. */
  async park(job: CourierJob, token: string | undefined, origin: string, safetyMs: number): Promise<void> {
    // Delayed first, listed second: whoever pops the id finds the job promotable.
    await job.moveToDelayed(Date.now() + safetyMs, token);
    const key = this.#keys.parked(origin);
    // Every worker hears that the origin has a waiting job and gives back the slots it keeps for
    // its own next jobs there (origin-limiter.ts), in the same round trip.
    await this.#redis.multi().rpush(key, job.id!).pexpire(key, PARKED_TTL_MS).publish(this.#keys.parkedChannel, origin).exec();
  }

  /**
   * A slot of `origin` was given back and the release popped `firstId` off its parked list: wake
   * that job, or the next parked ones if it is not delayed any more (fire and forget).
   */
  wake(origin: string, firstId: string): void {
    void this.#wake(origin, firstId).catch((error: unknown) => this.#logger?.debug({ err: error, origin }, 'could not wake a parked job; its safety net will'));
  }

  async #wake(origin: string, firstId: string): Promise<void> {
    const key = this.#keys.parked(origin);
    for (let i = 0; i < WAKE_TRIES; i += 1) {
      const id = i === 0 ? firstId : await this.#redis.lpop(key);
      if (id === null) return;
      const job = (await Job.fromId(this.#queue, id)) as CourierJob | undefined;
      if (!job) continue;
      try {
        await job.promote();
        return;
      } catch {
        // Not delayed any more (its safety net fired, or it finished): try the next one.
      }
    }
  }
}
