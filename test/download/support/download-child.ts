// A download in its own process, for cross-process tests: started with
//   node --conditions=@courier/source --import tsx download-child.ts '<json args>'
// It prints one JSON line per event on stdout: started, progress, done or error.
import { Cluster, Redis } from 'ioredis';
import { createClient } from '@courier/origin';
import { createDownloadCache, download, type DownloadOptions } from '@courier/download';

export interface ChildArgs {
  url: string;
  dst: string;
  root: string;
  sha256?: string;
  cacheDir?: string;
  redisUrl?: string;
  /** A Redis Cluster's seed nodes instead of `redisUrl` (the lock keys go to whichever node owns them). */
  clusterNodes?: Array<{ host: string; port: number }>;
  lockTtlMs?: number;
  progressIntervalMs?: number;
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const client = createClient();
const redis = args.clusterNodes
  ? (new Cluster(args.clusterNodes, { redisOptions: { maxRetriesPerRequest: 2 } }) as unknown as Redis)
  : args.redisUrl
    ? new Redis(args.redisUrl, { maxRetriesPerRequest: 2 })
    : undefined;
const options: DownloadOptions = {
  root: args.root,
  progressIntervalMs: args.progressIntervalMs ?? 100,
  onProgress: (p) => emit({ event: 'progress', ...p }),
  ...(args.sha256 ? { sha256: args.sha256 } : {}),
  ...(args.cacheDir ? { cache: createDownloadCache({ cacheDir: args.cacheDir, ...(redis ? { redis } : {}), ...(args.lockTtlMs ? { lockTtlMs: args.lockTtlMs } : {}) }) } : {}),
};

emit({ event: 'started', pid: process.pid });
try {
  const result = await download(client, args.url, args.dst, options);
  emit({ event: 'done', result });
  process.exitCode = 0;
} catch (error) {
  const e = error as { code?: string; message?: string };
  emit({ event: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(error) });
  process.exitCode = 1;
} finally {
  await client.close();
  redis?.disconnect();
}
