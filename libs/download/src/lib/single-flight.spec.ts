import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createDownloadCache, download, downloadStats } from '../index.ts';
import { serveGeneratedFile } from '../../../../test/download/support/generated-file.ts';
import { client, fixture, sha256File, tempDir } from '../../../../test/download/support/setup.ts';

const MiB = 1024 * 1024;

function latch() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('single-flight in one process', () => {
  it('20 concurrent downloads of one URL make exactly one upstream GET; every dst is right', async () => {
    const origin = await fixture();
    const gate = latch();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 3 * MiB, holdAt: { offset: MiB, release: gate.promise } });
    const root = await tempDir();
    const c = client();

    const all = Array.from({ length: 20 }, (_, i) => download(c, file.url, `dev-${i}/fw.bin`, { root, sha256: file.sha256() }));
    // Everyone has joined the one transfer before its body goes on.
    await vi.waitFor(() => expect(downloadStats()).toEqual({ transfers: 1, participants: 20 }), { timeout: 30_000 });
    gate.release();
    const results = await Promise.all(all);

    expect(file.bodyResponses).toBe(1);
    expect(results.filter((r) => r.source === 'network')).toHaveLength(1);
    expect(results.filter((r) => r.source === 'shared')).toHaveLength(19);
    expect(results.reduce((sum, r) => sum + r.fetchedBytes, 0)).toBe(file.size);
    for (const r of results) expect(await sha256File(r.dst)).toBe(file.sha256());
  });

  it('followers see the shared transfer’s progress', async () => {
    const origin = await fixture();
    const gate = latch();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: gate.promise } });
    const root = await tempDir();
    const c = client();
    const seen: number[] = [];

    const leader = download(c, file.url, 'a.bin', { root });
    await origin.waitForRequests(1);
    const follower = download(c, file.url, 'b.bin', { root, onProgress: (p) => seen.push(p.bytes) });
    await vi.waitFor(() => expect(downloadStats().participants).toBe(2), { timeout: 30_000 });
    gate.release();
    await Promise.all([leader, follower]);

    expect(seen.at(-1)).toBe(file.size);
    expect(file.bodyResponses).toBe(1);
  });

  it('when the leader aborts, a follower carries on with its own transfer and succeeds', async () => {
    const origin = await fixture();
    const gate = latch();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: gate.promise } });
    const root = await tempDir();
    const c = client();
    const controller = new AbortController();

    const leader = download(c, file.url, 'a.bin', { root, signal: controller.signal });
    // The leader is whoever joins first: make sure it is this one.
    await origin.waitForRequests(1);
    const follower = download(c, file.url, 'b.bin', { root });
    await vi.waitFor(() => expect(downloadStats().participants).toBe(2), { timeout: 30_000 });
    controller.abort();
    await expect(leader).rejects.toMatchObject({ code: 'ABORTED' });
    gate.release();

    // It took over: a second transfer, this one its own.
    expect(await follower).toMatchObject({ source: 'network', sha256: file.sha256() });
    expect(file.bodyResponses).toBe(2);
  });

  it('two different URLs writing the same dst at once: the second gets CONFLICT', async () => {
    const origin = await fixture();
    const gate = latch();
    const a = serveGeneratedFile(origin, '/a.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: gate.promise } });
    const b = serveGeneratedFile(origin, '/b.bin', { size: 1024 });
    const root = await tempDir();
    const c = client();

    const first = download(c, a.url, 'same.bin', { root });
    await origin.waitForRequests(1);
    await expect(download(c, b.url, 'same.bin', { root })).rejects.toMatchObject({ code: 'CONFLICT' });
    gate.release();
    expect((await first).sha256).toBe(a.sha256());
  });
});

describe('shared cache (no Redis: one process owns the cache dir)', () => {
  it('concurrent downloads make one GET, later ones are cache hits; files are hard links of the blob', async () => {
    const origin = await fixture();
    const gate = latch();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: gate.promise } });
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache') });
    const c = client();

    const started = [1, 2, 3].map((i) => download(c, file.url, `d${i}.bin`, { root, cache, sha256: file.sha256() }));
    await vi.waitFor(() => expect(downloadStats().participants).toBe(3), { timeout: 30_000 });
    gate.release();
    const first = await Promise.all(started);
    const later = await download(c, file.url, 'd4.bin', { root, cache, sha256: file.sha256() });

    expect(file.bodyResponses).toBe(1);
    expect(first.map((r) => r.source).sort()).toEqual(['network', 'shared', 'shared']);
    expect(later).toMatchObject({ source: 'cache', fetchedBytes: 0 });
    const blob = await stat(path.join(root, '.cache', 'sha256', file.sha256()));
    for (const r of [...first, later]) {
      const s = await stat(r.dst);
      expect(s.ino).toBe(blob.ino);
      expect(await sha256File(r.dst)).toBe(file.sha256());
    }
  });

  it('without a digest the cache is keyed by URL: a stale entry is revalidated with If-None-Match, and a 304 carries no body', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: MiB });
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache'), revalidateAfterMs: 0 });
    const c = client();

    await download(c, file.url, 'a.bin', { root, cache });
    const again = await download(c, file.url, 'b.bin', { root, cache });

    expect(file.served.map((s) => s.status)).toEqual([200, 304]);
    expect(file.served[1]!.ifNoneMatch).toBe(file.etagOf(1));
    expect(file.bodyResponses).toBe(1);
    expect(again).toMatchObject({ source: 'cache', sha256: file.sha256() });
  });

  it('a URL-keyed entry within revalidateAfterMs is used without asking the origin', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: MiB });
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache'), revalidateAfterMs: 3_600_000 });
    const c = client();

    await download(c, file.url, 'a.bin', { root, cache });
    await download(c, file.url, 'b.bin', { root, cache });

    expect(file.served).toHaveLength(1);
  });

  it('evicts the least recently used blobs beyond maxBytes, keeping the newest', async () => {
    const origin = await fixture();
    const files = [1, 2, 3].map((v) => serveGeneratedFile(origin, `/v${v}.bin`, { size: MiB, version: v }));
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache'), maxBytes: 2.5 * MiB });
    const c = client();

    await download(c, files[0]!.url, 'v1.bin', { root, cache, sha256: files[0]!.sha256() });
    await download(c, files[1]!.url, 'v2.bin', { root, cache, sha256: files[1]!.sha256() });
    // v1 used again: now v2 is the least recently used.
    await download(c, files[0]!.url, 'v1b.bin', { root, cache, sha256: files[0]!.sha256() });
    await download(c, files[2]!.url, 'v3.bin', { root, cache, sha256: files[2]!.sha256() });

    const blobs = await import('node:fs/promises').then((fs) => fs.readdir(path.join(root, '.cache', 'sha256')));
    expect(blobs.sort()).toEqual([files[0]!.sha256(), files[2]!.sha256()].sort());
    // Evicting a blob never touches the files linked from it.
    expect(await sha256File(path.join(root, 'v2.bin'))).toBe(files[1]!.sha256());
  });

  it('a cut transfer into the cache is resumed from the cache’s part file', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 3 * MiB, cutAfter: MiB });
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache') });

    const result = await download(client(), file.url, 'fw.bin', { root, cache, sha256: file.sha256() });

    expect(result).toMatchObject({ source: 'network', fetchedBytes: file.size });
    expect(file.served.map((s) => s.start)).toEqual([0, MiB, 2 * MiB]);
  });
});
