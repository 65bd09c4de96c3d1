import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDownloadCache, download } from '@courier/download';
import { freePort } from '../harness/index.ts';
import { startRedis } from '../harness/index.ts';
import { serveGeneratedFile } from './support/generated-file.ts';
import { someOf, startDownloadChild, type ChildEvent } from './support/child-process.ts';
import { client, fixture, sha256File, tempDir } from './support/setup.ts';
import { waitForDurable } from './support/sidecar-watch.ts';

const MiB = 1024 * 1024;

async function redisServer() {
  const redis = await startRedis();
  onTestFinished(() => redis.stop());
  return redis;
}

const finished = (e: ChildEvent) => e.event === 'done' || e.event === 'error';

describe('single-flight across processes (Redis lock + shared cache dir)', () => {
  it('3 processes downloading one file make exactly one upstream GET; every dst is right', async () => {
    const redis = await redisServer();
    const origin = await fixture();
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 16 * MiB, holdAt: { offset: MiB, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    const cacheDir = path.join(root, '.cache');

    const children = [0, 1, 2].map((i) =>
      startDownloadChild({ url: file.url, dst: `dev-${i}/fw.bin`, root, sha256: file.sha256(), cacheDir, redisUrl: redis.url }),
    );
    // One holds the lock and its transfer is held by the origin; the other two wait on the lock.
    await someOf(children, 2, (e) => e.event === 'progress' && e.phase === 'waiting');
    release();
    const ends = await Promise.all(children.map((c) => c.next(finished)));

    expect(ends.map((e) => e.event)).toEqual(['done', 'done', 'done']);
    expect(file.bodyResponses).toBe(1);
    const sources = ends.map((e) => (e['result'] as { source: string }).source).sort();
    expect(sources).toEqual(['cache', 'cache', 'network']);
    for (let i = 0; i < 3; i += 1) expect(await sha256File(path.join(root, `dev-${i}/fw.bin`))).toBe(file.sha256());
  }, 120_000);

  it('without a digest the processes share by URL, still one GET', async () => {
    const redis = await redisServer();
    const origin = await fixture();
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 4 * MiB, holdAt: { offset: MiB, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    const cacheDir = path.join(root, '.cache');

    const children = [0, 1, 2].map((i) => startDownloadChild({ url: file.url, dst: `dev-${i}.bin`, root, cacheDir, redisUrl: redis.url }));
    await someOf(children, 2, (e) => e.event === 'progress' && e.phase === 'waiting');
    release();
    const ends = await Promise.all(children.map((c) => c.next(finished)));

    expect(ends.map((e) => e.event)).toEqual(['done', 'done', 'done']);
    expect(file.served).toHaveLength(1);
    for (let i = 0; i < 3; i += 1) expect(await sha256File(path.join(root, `dev-${i}.bin`))).toBe(file.sha256());
  }, 120_000);

  it('when the process holding the lock is killed, a waiting one takes over after the lock expires and resumes its part', async () => {
    const redis = await redisServer();
    const origin = await fixture();
    const size = 8 * MiB;
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size, holdAt: { offset: size / 2, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    const cacheDir = path.join(root, '.cache');
    const common = { url: file.url, root, sha256: file.sha256(), cacheDir, redisUrl: redis.url, lockTtlMs: 1_500, progressIntervalMs: 0 };

    const leader = startDownloadChild({ ...common, dst: 'a.bin' });
    await leader.next((e) => e.event === 'progress' && e.bytes === size / 2);
    await waitForDurable(path.join(cacheDir, 'partial', `sha256-${file.sha256()}.part.json`), size / 2);
    const follower = startDownloadChild({ ...common, dst: 'b.bin' });
    await follower.next((e) => e.event === 'progress' && e.phase === 'waiting');
    leader.process.kill('SIGKILL');
    await leader.exited;
    release();
    const end = await follower.next(finished);

    expect(end).toMatchObject({ event: 'done', result: { source: 'network', resumedFrom: size / 2, fetchedBytes: size / 2 } });
    expect(file.served.map((s) => s.start)).toEqual([0, size / 2]);
    expect(await sha256File(path.join(root, 'b.bin'))).toBe(file.sha256());
  }, 120_000);

  it('when Redis does not answer, the download still completes (unshared) and the blob lands in the cache', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * 1024 * 1024 });
    const root = await tempDir();
    // Nothing listens on this port, and commands fail at once instead of queueing.
    const redis = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    onTestFinished(() => redis.disconnect());
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache'), redis });

    const result = await download(client(), file.url, 'fw.bin', { root, cache, sha256: file.sha256() });

    expect(result).toMatchObject({ source: 'network', sha256: file.sha256() });
    expect(await sha256File(path.join(root, '.cache', 'sha256', file.sha256()))).toBe(file.sha256());
  });
});
