import type { Redis } from 'ioredis';
import type { HeaderPair } from '../job-schema.ts';
import { pipelineScript, scriptPipeline } from '../../redis/script-loader.ts';
import type { CourierKeys } from './queue-keys.ts';

/** The credential side store on Redis (see credentials.ts for why and what it is not). */
export class SecretsStore {
  readonly #keys: CourierKeys;
  readonly #ttlMs: number;

  constructor(keys: CourierKeys, ttlMs: number) {
    this.#keys = keys;
    this.#ttlMs = ttlMs;
  }

  /** Stores each job's headers unless some are already stored; returns which were stored by this call. */
  async storeMany(redis: Redis, entries: ReadonlyArray<{ id: string; headers: HeaderPair[] }>): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const pipeline = scriptPipeline(redis);
    for (const e of entries) pipelineScript(pipeline, 'storeSecrets', [this.#keys.secrets(e.id)], [JSON.stringify(e.headers), Math.max(1, this.#ttlMs)]);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return Number(reply) === 1;
    });
  }

  async read(redis: Redis, id: string): Promise<HeaderPair[] | null> {
    const json = await redis.hget(this.#keys.secrets(id), 'headers');
    return json ? (JSON.parse(json) as HeaderPair[]) : null;
  }

  async delete(redis: Redis, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await redis.del(...ids.map((id) => this.#keys.secrets(id)));
  }
}
