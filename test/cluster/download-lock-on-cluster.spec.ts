/**
 * The download cache's single-flight lock on a real 3-master Redis Cluster (what a worker with
 * REDIS_CLUSTER_NODES and COURIER_DOWNLOAD_CACHE_DIR uses): three processes, one upstream GET.
 */
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTestRedisCluster } from '@courier/queue/testing';
import { serveGeneratedFile } from '../download/support/generated-file.ts';
import { someOf, startDownloadChild } from '../download/support/child-process.ts';
import { fixture, sha256File, tempDir } from '../download/support/setup.ts';

const MiB = 1024 * 1024;
const redis = useTestRedisCluster();

describe('download single-flight on a Redis Cluster', () => {
  it('3 processes downloading one file make exactly one upstream GET; every dst is right', async () => {
    const origin = await fixture();
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 4 * MiB, holdAt: { offset: MiB, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    const cacheDir = path.join(root, '.cache');
    const clusterNodes = redis.cluster.ports.map((port) => ({ host: '127.0.0.1', port }));

    const children = [0, 1, 2].map((i) => startDownloadChild({ url: file.url, dst: `dev-${i}/fw.bin`, root, sha256: file.sha256(), cacheDir, clusterNodes }));
    // One holds the lock and its transfer is held by the origin; the other two wait on the lock.
    await someOf(children, 2, (e) => e.event === 'progress' && e.phase === 'waiting');
    release();
    const ends = await Promise.all(children.map((c) => c.next((e) => e.event === 'done' || e.event === 'error')));

    expect(ends.map((e) => e.event)).toEqual(['done', 'done', 'done']);
    expect(file.bodyResponses).toBe(1);
    for (let i = 0; i < 3; i += 1) expect(await sha256File(path.join(root, `dev-${i}/fw.bin`))).toBe(file.sha256());
  }, 120_000);
});
