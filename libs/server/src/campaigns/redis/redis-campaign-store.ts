import { randomUUID } from 'node:crypto';
import { CourierError, isCourierError } from '@courier/origin';
import type { ClusterNode, HeaderPair } from '@courier/queue';
import { Cluster, Redis } from 'ioredis';
import { decodeOutcome, encodeOutcome, type CampaignStore, type StatusPatch, type StoredOutcome } from '../campaign-store.ts';
import type { CampaignDevice, CampaignSpec, CampaignState, HaltInfo, StoredCampaign, WaveProgress } from '../campaign-types.ts';
import { defineCampaignScripts } from './scripts.ts';

export interface RedisCampaignStoreOptions {
  redisUrl: string;
  /** The queue's key prefix and name: campaigns live under `<prefix>:<queueName>:campaigns:`. */
  prefix: string;
  queueName: string;
  /** Longest wait for one Redis command, in milliseconds (past it: `QUEUE_UNAVAILABLE`). Default 5,000. */
  commandTimeoutMs?: number;
  /**
   * Seed nodes of a Redis Cluster (`redisUrl` then only lends credentials and TLS): the keys go
   * under one hash tag, `{<prefix>:<queueName>:campaigns}`, so the scripts and MULTIs that touch
   * several of them stay in one slot.
   */
  clusterNodes?: readonly ClusterNode[];
}

/** Devices pushed per RPUSH while a campaign is created. */
const pushChunk = 1_000;
/** Life of the temporary device list, in milliseconds, should the create call never come. */
const tempListTtlMs = 10 * 60_000;

/**
 * Campaigns in Redis, beside the BullMQ queue they feed, so they survive a server restart and
 * every server on that Redis sees (and may drive) the same campaigns:
 *
 * ```
 * <base>:index              sorted set  id → creation time (newest first in lists)
 * <base>:unsettled          set         campaigns still to watch
 * <base>:<id>               hash        spec (JSON), state, wave, finishedAt, halt (JSON), settled,
 *                                       w<i>:released | releasedAt | finishedAt | completed | failed | cancelled
 * <base>:<id>:devices       list        [id, dst] per device, in campaign order
 * <base>:<id>:outcomes      hash        device index → completed | cancelled | failed:<CODE>
 * <base>:<id>:credentials   string      the firmware URL's credential headers (JSON), until settled
 * ```
 * with `<base>` = `<prefix>:<queueName>:campaigns`. A settled campaign's keys get a TTL (its
 * retention); its index entry goes when a list finds the hash gone.
 */
export class RedisCampaignStore implements CampaignStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #base: string;
  readonly #run: ReturnType<typeof defineCampaignScripts>;
  #closing: Promise<void> | undefined;

  constructor(options: RedisCampaignStoreOptions) {
    // Fail fast while Redis is away (the API answers 503), reconnect in the background.
    const nodeOptions = { maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 5_000 };
    this.#redis = options.clusterNodes?.length
      ? (new Cluster([...options.clusterNodes], { redisOptions: { ...nodeOptions, ...credentialsOf(options.redisUrl) } }) as unknown as Redis)
      : new Redis(options.redisUrl, nodeOptions);
    this.#redis.on('error', () => {
      // Connection errors surface on the commands (QUEUE_UNAVAILABLE); an unhandled 'error' would crash the process.
    });
    this.#base = options.clusterNodes?.length ? `{${options.prefix}:${options.queueName}:campaigns}` : `${options.prefix}:${options.queueName}:campaigns`;
    this.#run = defineCampaignScripts(this.#redis);
  }

  #key(id: string, part?: 'devices' | 'outcomes' | 'credentials'): string {
    return part === undefined ? `${this.#base}:${id}` : `${this.#base}:${id}:${part}`;
  }

  create(spec: CampaignSpec, devices: readonly CampaignDevice[]): Promise<'created' | 'exists'> {
    return guard(async () => {
      const temp = `${this.#base}:tmp:${randomUUID()}`;
      for (let at = 0; at < devices.length; at += pushChunk) {
        const chunk = devices.slice(at, at + pushChunk).map((d) => JSON.stringify([d.id, d.dst]));
        await this.#redis.pipeline().rpush(temp, ...chunk).pexpire(temp, tempListTtlMs).exec().then(throwPipelineError);
      }
      const fields: Array<string | number> = ['spec', JSON.stringify(spec), 'state', 'running', 'wave', 0, 'settled', 0];
      const created = await this.#run(
        'create',
        [this.#key(spec.id), temp, this.#key(spec.id, 'devices'), `${this.#base}:index`, `${this.#base}:unsettled`],
        [spec.id, spec.createdAt, ...fields],
      );
      return created === 1 ? 'created' : 'exists';
    });
  }

  get(id: string): Promise<StoredCampaign | null> {
    return guard(async () => {
      const hash = await this.#redis.hgetall(this.#key(id));
      return hash.spec === undefined ? null : parseCampaign(hash);
    });
  }

  list(offset: number, limit: number): Promise<{ total: number; ids: string[] }> {
    return guard(async () => {
      const index = `${this.#base}:index`;
      for (;;) {
        const [total, ids] = await Promise.all([this.#redis.zcard(index), this.#redis.zrevrange(index, offset, offset + limit - 1)]);
        const exists = await Promise.all(ids.map((id) => this.#redis.exists(this.#key(id))));
        const gone = ids.filter((_, i) => exists[i] === 0);
        if (gone.length === 0) return { total, ids };
        // Past their retention: drop them from the index, and read the page again.
        await this.#redis.zrem(index, ...gone);
      }
    });
  }

  unsettled(): Promise<string[]> {
    return guard(() => this.#redis.smembers(`${this.#base}:unsettled`));
  }

  devices(id: string, start: number, count: number): Promise<CampaignDevice[]> {
    return guard(async () => {
      if (count <= 0) return [];
      const raw = await this.#redis.lrange(this.#key(id, 'devices'), start, start + count - 1);
      return raw.map((entry) => {
        const [deviceId, dst] = JSON.parse(entry) as [string, string];
        return { id: deviceId, dst };
      });
    });
  }

  outcomes(id: string, indices: readonly number[]): Promise<Array<StoredOutcome | null>> {
    return guard(async () => {
      if (indices.length === 0) return [];
      const raw = await this.#redis.hmget(this.#key(id, 'outcomes'), ...indices.map(String));
      return raw.map((v) => (v === null ? null : decodeOutcome(v)));
    });
  }

  allOutcomes(id: string): Promise<Map<number, StoredOutcome>> {
    return guard(async () => {
      const raw = await this.#redis.hgetall(this.#key(id, 'outcomes'));
      return new Map(Object.entries(raw).map(([index, v]) => [Number(index), decodeOutcome(v)]));
    });
  }

  recordOutcome(id: string, index: number, wave: number, outcome: StoredOutcome): Promise<boolean> {
    return guard(async () => {
      const result = await this.#run('recordOutcome', [this.#key(id), this.#key(id, 'outcomes')], [index, wave, encodeOutcome(outcome), outcome.outcome]);
      return result === 1;
    });
  }

  transition(id: string, expected: { state: CampaignState; wave: number }, patch: StatusPatch): Promise<boolean> {
    return guard(async () => {
      const fields: Array<string | number> = [];
      if (patch.state !== undefined) fields.push('state', patch.state);
      if (patch.wave !== undefined) fields.push('wave', patch.wave);
      if (patch.finishedAt !== undefined) fields.push('finishedAt', patch.finishedAt);
      if (patch.halt !== undefined) fields.push('halt', JSON.stringify(patch.halt));
      return (await this.#run('transition', [this.#key(id)], [expected.state, expected.wave, ...fields])) === 1;
    });
  }

  markReleased(id: string, wave: number, released: number, at: number): Promise<void> {
    return guard(async () => {
      await this.#run('markReleased', [this.#key(id)], [wave, released, at]);
    });
  }

  markWaveFinished(id: string, wave: number, at: number): Promise<void> {
    return guard(async () => {
      await this.#redis.hsetnx(this.#key(id), `w${wave}:finishedAt`, at);
    });
  }

  putCredentials(id: string, headers: readonly HeaderPair[]): Promise<boolean> {
    return guard(async () => (await this.#redis.set(this.#key(id, 'credentials'), JSON.stringify(headers), 'NX')) === 'OK');
  }

  credentials(id: string): Promise<HeaderPair[] | null> {
    return guard(async () => {
      const json = await this.#redis.get(this.#key(id, 'credentials'));
      return json === null ? null : (JSON.parse(json) as HeaderPair[]);
    });
  }

  deleteCredentials(id: string): Promise<void> {
    return guard(async () => {
      await this.#redis.del(this.#key(id, 'credentials'));
    });
  }

  settle(id: string, retentionMs: number): Promise<void> {
    return guard(async () => {
      await this.#redis
        .multi()
        .del(this.#key(id, 'credentials'))
        .hset(this.#key(id), 'settled', 1)
        .srem(`${this.#base}:unsettled`, id)
        .pexpire(this.#key(id), retentionMs)
        .pexpire(this.#key(id, 'devices'), retentionMs)
        .pexpire(this.#key(id, 'outcomes'), retentionMs)
        .exec()
        .then(throwPipelineError);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#redis.quit().then(
      () => undefined,
      () => this.#redis.disconnect(),
    );
    return this.#closing;
  }
}

/** Redis errors become `QUEUE_UNAVAILABLE` (the API answers 503), as the queue's own do. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isCourierError(error)) throw error;
    throw new CourierError('QUEUE_UNAVAILABLE', `campaign store: Redis did not answer (${(error as Error).message})`, { cause: error });
  }
}

function throwPipelineError(results: Array<[Error | null, unknown]> | null): void {
  for (const [error] of results ?? []) if (error) throw error;
}

function parseCampaign(hash: Record<string, string>): StoredCampaign {
  const spec = JSON.parse(hash.spec!) as CampaignSpec;
  const int = (field: string): number => Number(hash[field] ?? 0);
  const optionalInt = (field: string): number | undefined => (hash[field] === undefined ? undefined : Number(hash[field]));
  const waves: WaveProgress[] = spec.waves.map((_, i) => {
    const wave: WaveProgress = { released: int(`w${i}:released`), completed: int(`w${i}:completed`), failed: int(`w${i}:failed`), cancelled: int(`w${i}:cancelled`) };
    const releasedAt = optionalInt(`w${i}:releasedAt`);
    const finishedAt = optionalInt(`w${i}:finishedAt`);
    if (releasedAt !== undefined) wave.releasedAt = releasedAt;
    if (finishedAt !== undefined) wave.finishedAt = finishedAt;
    return wave;
  });
  const status: StoredCampaign['status'] = { state: (hash.state ?? 'running') as CampaignState, wave: int('wave'), settled: hash.settled === '1', waves };
  const finishedAt = optionalInt('finishedAt');
  if (finishedAt !== undefined) status.finishedAt = finishedAt;
  if (hash.halt !== undefined) status.halt = JSON.parse(hash.halt) as HaltInfo;
  return { ...spec, status };
}

/** The credentials and TLS of a `redis(s)://` URL, for the nodes of a cluster. */
function credentialsOf(url: string): { username?: string; password?: string; tls?: object } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
