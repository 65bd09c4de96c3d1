/**
 * The fleet view over Redis (DESIGN "Queue and service"): every worker publishes its origin
 * actors' snapshots in a hash of its own with a heartbeat and a TTL (a dead worker disappears by
 * itself), and obeys `closeconnections` commands sent over pub/sub, answering with a drained
 * report. The server's `/v1/origins` and `/v1/connections` and the Pluto fleet transport read it.
 *
 * Each origin snapshot carries the worker's own request figures for it (req/s, p50/p99 latency
 * over the last minute), so the dashboard's fleet view shows each worker's latency, not one
 * process's figure for every worker.
 *
 * Keys (under `<prefix>:<queueName>:fleet:`): `w:<workerId>` hash {state, heartbeatAt, hostname,
 * pid} with a TTL; `workers` sorted set of worker ids scored by heartbeat (an index, pruned);
 * channel `commands`; reply channels `replies:<requestId>`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { channels, RequestWindow, type OriginRequestStats, type OriginSnapshot, type RequestEndMessage } from '@courier/origin';
import type { Redis } from 'ioredis';
import { queueDefaults } from './defaults.ts';
import type { CloseConnectionsReport, FleetOriginSnapshot, FleetSource, FleetWorkerState, QueueLogger } from './driver.ts';
import { duplicateConnection } from './bullmq/redis-connection.ts';

export interface FleetKeysOptions {
  /** Redis key prefix. Default `courier`. */
  prefix?: string;
  /** Queue name; one fleet per queue. Default `jobs`. */
  queueName?: string;
}

export interface PublishFleetStateOptions extends FleetKeysOptions {
  /** A connection for the heartbeat writes (a subscriber connection is duplicated from it). */
  redis: Redis;
  workerId: string;
  source: FleetSource;
  /** Heartbeat interval, in milliseconds. Default 1000. */
  heartbeatMs?: number;
  /** TTL of the worker's hash, in milliseconds; several heartbeats long. Default 5000. */
  ttlMs?: number;
  /** Most origin snapshots published per worker (the busiest first). Default 1000. */
  maxOrigins?: number;
  logger?: QueueLogger;
}

export interface FleetPublisher {
  /** Stops the heartbeat and the command subscription, and removes the worker from the view. Idempotent. */
  close(): Promise<void>;
}

interface CloseCommand {
  type: 'closeconnections';
  requestId: string;
  remote?: string;
  replyTo: string;
}

interface CloseReply {
  workerId: string;
  requestId: string;
  drained: boolean;
  origins: number;
  error?: string;
}

function fleetKeys(options: FleetKeysOptions) {
  const base = `${options.prefix ?? queueDefaults.prefix}:${options.queueName ?? queueDefaults.queueName}:fleet`;
  return {
    worker: (id: string) => `${base}:w:${id}`,
    index: `${base}:workers`,
    commands: `${base}:commands`,
    replies: (requestId: string) => `${base}:replies:${requestId}`,
  };
}

function busiestFirst(origins: OriginSnapshot[], max: number): OriginSnapshot[] {
  if (origins.length <= max) return origins;
  return [...origins].sort((a, b) => b.inFlight + b.queued - (a.inFlight + a.queued)).slice(0, max);
}

/**
 * The source's own request figures, or else the requests that end in this process (a worker
 * process runs one worker; the subscription ends with the publisher).
 */
function requestFigures(source: FleetSource): { stats(origin: string, nowMs: number): OriginRequestStats; prune(nowMs: number): void; close(): void } {
  if (source.requestStats) {
    const own = source.requestStats.bind(source);
    return { stats: (origin) => own(origin), prune: () => {}, close: () => {} };
  }
  const window = new RequestWindow();
  const onRequestEnd = (message: unknown) => {
    const m = message as RequestEndMessage;
    window.record(m.origin, m.durationMs);
  };
  channels.requestEnd.subscribe(onRequestEnd);
  return {
    stats: (origin, nowMs) => window.stats(origin, nowMs),
    prune: (nowMs) => window.prune(nowMs),
    close: () => channels.requestEnd.unsubscribe(onRequestEnd),
  };
}

function withRequests(origins: OriginSnapshot[], figures: ReturnType<typeof requestFigures>, nowMs: number): FleetOriginSnapshot[] {
  return origins.map((o) => {
    const requests = figures.stats(o.origin, nowMs);
    return requests.p50Ms === null && requests.rps === 0 ? o : { ...o, requests };
  });
}

/** Starts publishing one worker's state and answering `closeconnections`. */
export async function publishFleetState(options: PublishFleetStateOptions): Promise<FleetPublisher> {
  const keys = fleetKeys(options);
  const heartbeatMs = options.heartbeatMs ?? queueDefaults.fleet.heartbeatMs;
  const ttlMs = options.ttlMs ?? queueDefaults.fleet.ttlMs;
  const maxOrigins = options.maxOrigins ?? 1000;
  const { redis, workerId, source, logger } = options;
  const workerKey = keys.worker(workerId);
  const host = hostname();
  const figures = requestFigures(source);

  const beat = async () => {
    const now = Date.now();
    figures.prune(now);
    await redis
      .multi()
      .hset(workerKey, {
        state: JSON.stringify(withRequests(busiestFirst(source.origins(), maxOrigins), figures, now)),
        heartbeatAt: String(now),
        hostname: host,
        pid: String(process.pid),
      })
      .pexpire(workerKey, ttlMs)
      .zadd(keys.index, now, workerId)
      // The index is a hint; entries whose hash has long expired are pruned here.
      .zremrangebyscore(keys.index, '-inf', now - 10 * ttlMs)
      .exec();
  };

  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    beat()
      .catch((error: unknown) => logger?.warn({ err: error }, 'fleet heartbeat failed; will retry'))
      .finally(() => {
        beating = false;
      });
  }, heartbeatMs).unref();

  const subscriber = duplicateConnection(redis);
  subscriber.on('error', (error: unknown) => logger?.warn({ err: error }, 'fleet subscriber connection error'));
  subscriber.on('message', (_channel: string, message: string) => {
    let command: CloseCommand;
    try {
      command = JSON.parse(message) as CloseCommand;
    } catch {
      return;
    }
    if (command.type !== 'closeconnections' || typeof command.replyTo !== 'string') return;
    void (async () => {
      const reply: CloseReply = { workerId, requestId: command.requestId, drained: true, origins: source.origins().length };
      try {
        await source.closeConnections(command.remote);
      } catch (error) {
        reply.drained = false;
        reply.error = error instanceof Error ? error.message : String(error);
      }
      await redis.publish(command.replyTo, JSON.stringify(reply));
    })().catch((error: unknown) => logger?.warn({ err: error }, 'could not answer closeconnections'));
  });
  try {
    await subscriber.subscribe(keys.commands);
    await beat();
  } catch (error) {
    // Not started: nothing of it may outlive the failure (the heartbeat, the request figures' subscription).
    clearInterval(timer);
    figures.close();
    subscriber.disconnect();
    throw error;
  }

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        figures.close();
        const steps = [
          () => subscriber.quit(),
          () => redis.multi().del(workerKey).zrem(keys.index, workerId).exec(),
        ];
        for (const step of steps) {
          try {
            await step();
          } catch (error) {
            logger?.warn({ err: error }, 'fleet publisher cleanup step failed');
            subscriber.disconnect();
          }
        }
      })();
      return closing;
    },
  };
}

/** Every live worker's state (a worker whose hash expired is gone). */
export async function readFleetState(redis: Redis, options: FleetKeysOptions = {}): Promise<FleetWorkerState[]> {
  const keys = fleetKeys(options);
  const ids = await redis.zrange(keys.index, 0, -1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.worker(id));
  const replies = (await pipeline.exec()) ?? [];
  const out: FleetWorkerState[] = [];
  replies.forEach(([error, value], i) => {
    if (error) throw error;
    const hash = value as Record<string, string>;
    if (!hash.heartbeatAt) return;
    let origins: FleetOriginSnapshot[] = [];
    try {
      origins = JSON.parse(hash.state ?? '[]') as FleetOriginSnapshot[];
    } catch {
      origins = [];
    }
    out.push({ workerId: ids[i]!, hostname: hash.hostname ?? '', pid: Number(hash.pid ?? 0), heartbeatAt: Number(hash.heartbeatAt), origins });
  });
  return out;
}

export interface BroadcastCloseOptions extends FleetKeysOptions {
  /** Origin to close (`scheme://host:port`, path ignored); all origins when absent. */
  remote?: string;
  /** Give up on workers that have not answered after this long, in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /** How often the liveness of workers still to answer is checked, in milliseconds. Default 1000. */
  livenessCheckMs?: number;
}

/**
 * Pluto's `closeconnections` for the whole fleet: resolves once every worker live at the call
 * reported drained — or died (its hash expired), or did not answer within `timeoutMs`; those are
 * listed as `missing`. Never hangs on a dead worker.
 */
export async function broadcastCloseConnections(redis: Redis, options: BroadcastCloseOptions = {}): Promise<CloseConnectionsReport> {
  const keys = fleetKeys(options);
  const live = await readFleetState(redis, options);
  const report: CloseConnectionsReport = { drained: [], missing: [] };
  if (live.length === 0) return report;
  const requestId = randomUUID();
  const replyTo = keys.replies(requestId);
  const pending = new Set(live.map((w) => w.workerId));
  // The caller's connection may be a fail-fast producer one; this one may wait for its connect.
  const subscriber = duplicateConnection(redis);
  subscriber.on('error', () => {});
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const check = () => {
    if (pending.size === 0) settle();
  };
  subscriber.on('message', (_channel: string, message: string) => {
    let reply: CloseReply;
    try {
      reply = JSON.parse(message) as CloseReply;
    } catch {
      return;
    }
    if (reply.requestId !== requestId || !pending.delete(reply.workerId)) return;
    if (reply.drained) report.drained.push({ workerId: reply.workerId, origins: reply.origins });
    else report.missing.push(reply.workerId);
    check();
  });
  const liveness = setInterval(() => {
    void (async () => {
      const ids = [...pending];
      if (ids.length === 0) return;
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.exists(keys.worker(id));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, exists], i) => {
        if (!error && exists === 0 && pending.delete(ids[i]!)) report.missing.push(ids[i]!);
      });
      check();
    })().catch(() => {});
  }, options.livenessCheckMs ?? queueDefaults.fleet.heartbeatMs);
  const deadline = setTimeout(() => {
    for (const id of pending) report.missing.push(id);
    pending.clear();
    settle();
  }, options.timeoutMs ?? queueDefaults.fleet.closeConnectionsTimeoutMs);
  try {
    const command: CloseCommand = { type: 'closeconnections', requestId, replyTo, ...(options.remote === undefined ? {} : { remote: options.remote }) };
    const send = async () => {
      await subscriber.subscribe(replyTo);
      await redis.publish(keys.commands, JSON.stringify(command));
    };
    // The deadline also bounds a subscribe that waits for Redis.
    await Promise.race([send(), done]);
    await done;
  } finally {
    clearInterval(liveness);
    clearTimeout(deadline);
    subscriber.disconnect();
  }
  return report;
}
