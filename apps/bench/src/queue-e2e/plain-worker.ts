import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { request } from 'undici';

/** The data of a plain job: what the plain worker needs to make the request. */
export interface PlainJobData {
  url: string;
}

export interface PlainResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * The baseline: what one would write without Courier — a BullMQ `Worker` whose processor calls
 * `undici.request` (undici's global dispatcher, its defaults), reads the body and returns status,
 * headers and body as the job's result. No validation, limits, retries policy or redaction.
 */
export function startPlainWorker(redisUrl: string, prefix: string, queueName: string, concurrency: number): { close(): Promise<void> } {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<PlainJobData, PlainResult>(
    queueName,
    async (job) => {
      const res = await request(job.data.url);
      const body = await res.body.text();
      if (res.statusCode >= 400) throw new Error(`upstream answered ${res.statusCode}`);
      return { status: res.statusCode, headers: res.headers, body };
    },
    { connection, prefix, concurrency },
  );
  worker.on('error', () => {});
  return {
    close: async () => {
      await worker.close();
      await connection.quit();
    },
  };
}
