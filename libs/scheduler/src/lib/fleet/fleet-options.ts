import type { QueueDriver, QueueLogger } from '@courier/queue';

/** How to reach the fleet: the Redis queue the workers consume. */
export interface FleetTransportOptions {
  /** `redis://` or `rediss://` URL of the queue's Redis. Required unless `queue` or `clusterNodes` is given. */
  redisUrl?: string;
  /**
   * Seed nodes of a Redis Cluster (`host:port,…`, as `REDIS_CLUSTER_NODES`): the queue is there,
   * in `shards` shards (as the workers have it; default the number of seeds). `redisUrl` then only
   * lends credentials and TLS.
   */
  clusterNodes?: string;
  shards?: number;
  /**
   * A queue driver to use instead of opening one from `redisUrl` (it must read events: BullMQ's
   * with `events` on). The transport does not close it. `prefix` and `queueName` are then its own.
   */
  queue?: QueueDriver;
  /** Redis key prefix, as the workers use it. Default `courier`. */
  prefix?: string;
  /** Queue name, as the workers use it. Default `jobs`. */
  queueName?: string;
  /**
   * Where this machine finds the body files of large results (bodies over the workers'
   * `inlineBodyBytes`), in the workers' results directory. Default `COURIER_RESULTS_DIR`, else
   * the queue's default (`<tmpdir>/courier-results`). Across machines it must be a shared volume.
   */
  resultsDir?: string;
  /**
   * Most request jobs of this transport enqueued and not finished at once; more requests wait
   * here, in call order. Bounds the queue's event stream traffic we must read without falling
   * behind its cap (BullMQ keeps about 10,000 events). Default 1000.
   */
  maxPending?: number;
  /** Most jobs per enqueue call (requests made in one scheduler pass go out together). Default 500. */
  maxBatch?: number;
  /**
   * Send the requests of one enqueue call as batch jobs (`enqueue(…, …, { batch: true })`: one
   * queue job per up to 100 requests to one origin), which takes most of the queue's Redis work
   * per request away: for scripts that make many requests per scheduler pass. Each request keeps
   * its own job id and result event, so nothing else changes. Default false.
   */
  batchJobs?: boolean;
  /**
   * How often the fleet view is read while `hasconnection` is in use, in milliseconds.
   * Default 250 (a quarter of the workers' 1 s heartbeat).
   */
  refreshMs?: number;
  /** The fleet view stops being read this long after the last `hasconnection`, in milliseconds. Default 10 000. */
  refreshIdleMs?: number;
  /**
   * A job whose result event has not come this long after it was enqueued (or last checked) is
   * looked up once, in case its event was trimmed from the capped stream, in milliseconds.
   * Default 10 000.
   */
  recheckAfterMs?: number;
  /**
   * `closeconnections` gives up on a live worker that has not reported drained after this long,
   * in milliseconds (a dead worker stops counting once its heartbeat expires). Default 300 000.
   */
  closeTimeoutMs?: number;
  logger?: QueueLogger;
}

/** Defaults of the options above (prefix and queue name are the queue's own defaults). */
export const fleetTransportDefaults = {
  maxPending: 1_000,
  maxBatch: 500,
  refreshMs: 250,
  refreshIdleMs: 10_000,
  recheckAfterMs: 10_000,
  closeTimeoutMs: 300_000,
} as const;
