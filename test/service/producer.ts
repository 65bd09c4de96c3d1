/**
 * A producer process for the service tests: enqueues request jobs `FROM`..`TO-1` (one idempotency
 * key each, the URL derived from the key) in batches, retrying a batch while the queue is
 * unavailable (safe: the keys make a re-sent batch a duplicate). Reports every acknowledged batch
 * to the parent over IPC, then exits.
 *
 * Env: REDIS_URL (or REDIS_CLUSTER_NODES, COURIER_QUEUE_SHARDS), COURIER_QUEUE_PREFIX, ORIGINS (JSON array of base URLs), FROM, TO, BATCH,
 * PAUSE_MS (between batches, so a run can outlast a Redis restart), BATCH_JOBS=1 (enqueue each
 * batch as batch jobs: `{ batch: true }`).
 */
import { isCourierError } from '@courier/origin';
import { createQueue } from '@courier/queue';

export interface ProducerMessage {
  type: 'acked' | 'done' | 'error';
  keys?: number[];
  ids?: string[];
  duplicates?: number;
  /** The batch was sent again after a `QUEUE_UNAVAILABLE` (its first send may have landed: then all of it comes back duplicate). */
  resent?: boolean;
  message?: string;
}

const send = (message: ProducerMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

/** The job a key stands for: the same in every producer, so overlapping keys are duplicates. */
export function jobForKey(origins: readonly string[], key: number): { url: string } {
  return { url: `${origins[key % origins.length]}/job?key=${key}` };
}

async function main(): Promise<void> {
  const origins = JSON.parse(process.env.ORIGINS ?? '[]') as string[];
  const from = Number(process.env.FROM);
  const to = Number(process.env.TO);
  const batch = Number(process.env.BATCH ?? 100);
  const pauseMs = Number(process.env.PAUSE_MS ?? 0);
  const mode = { batch: process.env.BATCH_JOBS === '1' };
  const queue = await createQueue({
    redisUrl: process.env.REDIS_URL,
    ...(process.env.REDIS_CLUSTER_NODES ? { clusterNodes: process.env.REDIS_CLUSTER_NODES } : {}),
    ...(process.env.COURIER_QUEUE_SHARDS ? { shards: Number(process.env.COURIER_QUEUE_SHARDS) } : {}),
    prefix: process.env.COURIER_QUEUE_PREFIX,
    events: false,
    commandTimeoutMs: 2_000,
  });
  try {
    for (let start = from; start < to; start += batch) {
      const keys = Array.from({ length: Math.min(batch, to - start) }, (_, i) => start + i);
      for (let tries = 1; ; tries += 1) {
        try {
          const results = await queue.enqueue(
            keys.map((k) => jobForKey(origins, k)),
            keys.map((k) => ({ idempotencyKey: `job-${k}` })),
            mode,
          );
          await send({ type: 'acked', keys, ids: results.map((r) => r.id), duplicates: results.filter((r) => r.duplicate).length, resent: tries > 1 });
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
          break;
        } catch (error) {
          // Redis away (restart): the batch was not acknowledged; send it again shortly.
          if (!isCourierError(error) || error.code !== 'QUEUE_UNAVAILABLE' || tries > 600) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    await send({ type: 'done' });
  } finally {
    await queue.close();
  }
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ type: 'error', message: String(error) });
    process.exit(1);
  },
);
