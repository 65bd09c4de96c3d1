import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDownloadCache, createDownloadJobHandler, type QueuedDownloadJob, type DownloadJobProgress } from '../index.ts';
import { serveGeneratedFile } from '../../../../test/download/support/generated-file.ts';
import { client, fixture, sha256File, tempDir } from '../../../../test/download/support/setup.ts';

const MiB = 1024 * 1024;

function job(input: unknown, progress: DownloadJobProgress[] = [], signal = new AbortController().signal): QueuedDownloadJob {
  return { id: 'j1', input, attempt: 1, signal, reportProgress: (p) => progress.push(p) };
}

describe('createDownloadJobHandler', () => {
  it('runs a download job confined to the root and returns the queue’s DownloadResult shape', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB });
    const root = await tempDir();
    const handler = createDownloadJobHandler({ client: client(), root, workerId: 'w1' });
    const progress: DownloadJobProgress[] = [];

    const result = await handler(job({ kind: 'download', url: file.url, dst: 'fleet/dev-1.bin', sha256: file.sha256().toUpperCase(), size: file.size }, progress));

    expect(result).toEqual({ kind: 'download', dst: 'fleet/dev-1.bin', bytes: file.size, sha256: file.sha256(), fetchedBytes: file.size, workerId: 'w1' });
    expect(await sha256File(path.join(root, 'fleet/dev-1.bin'))).toBe(file.sha256());
    expect(progress.at(-1)).toEqual({ bytes: file.size, total: file.size, rate: expect.any(Number) });
  });

  it('jobs through a shared cache: the second job fetches nothing', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: MiB });
    const root = await tempDir();
    const cache = createDownloadCache({ cacheDir: path.join(root, '.cache') });
    const handler = createDownloadJobHandler({ client: client(), root, cache });

    const a = await handler(job({ url: file.url, dst: 'a.bin', sha256: file.sha256() }));
    const b = await handler(job({ url: file.url, dst: 'b.bin', sha256: file.sha256() }));

    expect([a.fetchedBytes, b.fetchedBytes]).toEqual([file.size, 0]);
    expect(file.bodyResponses).toBe(1);
  });

  it.each([
    ['no dst', { url: 'http://127.0.0.1:1/x' }],
    ['a bad digest', { url: 'http://127.0.0.1:1/x', dst: 'x', sha256: 'xyz' }],
    ['a negative size', { url: 'http://127.0.0.1:1/x', dst: 'x', size: -1 }],
    ['not an object', 'download me'],
  ])('input with %s → BAD_JOB', async (_what, input) => {
    const handler = createDownloadJobHandler({ client: client(), root: await tempDir() });
    await expect(handler(job(input))).rejects.toMatchObject({ code: 'BAD_JOB' });
  });

  it('a dst escaping the root → BAD_PATH; the job’s signal aborts it', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: MiB });
    const handler = createDownloadJobHandler({ client: client(), root: await tempDir() });
    await expect(handler(job({ url: file.url, dst: '../x.bin' }))).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(handler(job({ url: file.url, dst: 'x.bin' }, [], AbortSignal.abort()))).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
