import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CourierError } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { download, downloadWithProgress, type DownloadProgress } from '../index.ts';
import { generatedBytes, serveGeneratedFile } from '../../../../test/download/support/generated-file.ts';
import { client, fixture, listDir, sha256File, tempDir } from '../../../../test/download/support/setup.ts';

const MiB = 1024 * 1024;

describe('download: stream, verify, place', () => {
  it('downloads a generated file to dst with the right digest, reporting bytes, total and rate', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 3 * MiB + 17 });
    const root = await tempDir();
    const reports: DownloadProgress[] = [];

    const result = await download(client(), file.url, 'fw.bin', { root, sha256: file.sha256(), size: file.size, onProgress: (p) => reports.push(p) });

    expect(result).toMatchObject({ bytes: file.size, sha256: file.sha256(), fetchedBytes: file.size, resumedFrom: 0, source: 'network' });
    expect(await sha256File(result.dst)).toBe(file.sha256());
    expect(await listDir(root)).toEqual(['fw.bin']);
    expect(reports.at(-1)).toMatchObject({ bytes: file.size, total: file.size, phase: 'done' });
    expect(reports.some((p) => p.phase === 'fetching' && p.total === file.size)).toBe(true);
    expect(reports.every((p) => p.rate >= 0)).toBe(true);
    expect(file.bodyResponses).toBe(1);
  });

  it('a stalled transfer reports the bytes it holds, even within the progress interval', async () => {
    const origin = await fixture();
    const stallAt = MiB + 123;
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: stallAt, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    let reportedStall!: () => void;
    const stallReported = new Promise<void>((r) => (reportedStall = r));

    // An interval far longer than the test: only the forced report of a pause can show the stall.
    const done = download(client(), file.url, 'fw.bin', {
      root,
      progressIntervalMs: 600_000,
      onProgress: (p) => p.phase === 'fetching' && p.bytes === stallAt && reportedStall(),
    });
    await stallReported;
    release();

    expect((await done).bytes).toBe(2 * MiB);
  }, 30_000);

  it('progress is also an async iterable that ends with the download', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB });
    const root = await tempDir();
    const { progress, done } = downloadWithProgress(client(), file.url, 'fw.bin', { root, progressIntervalMs: 0 });
    const seen: DownloadProgress[] = [];
    for await (const p of progress) seen.push(p);
    expect((await done).bytes).toBe(file.size);
    expect(seen.at(-1)).toMatchObject({ bytes: file.size, phase: 'done' });
  });

  it('a file cut after every 1 MiB arrives whole through repeated resumes, each asking for the next byte', async () => {
    const origin = await fixture();
    const size = 8 * MiB + 1234;
    const file = serveGeneratedFile(origin, '/cut.bin', { size, cutAfter: MiB });
    const root = await tempDir();

    const result = await download(client(), file.url, 'cut.bin', { root, sha256: file.sha256() });

    expect(await sha256File(result.dst)).toBe(file.sha256());
    expect(file.bodyResponses).toBe(9);
    expect(file.served.map((s) => s.start)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => i * MiB));
    expect(file.served.slice(1).every((s) => s.status === 206 && s.ifRange === file.etagOf(1))).toBe(true);
    // Nothing fetched twice.
    expect(result.fetchedBytes).toBe(size);
    expect(await listDir(root)).toEqual(['cut.bin']);
  });

  it('a server that ignores Range restarts from zero and still ends with the right file', async () => {
    const origin = await fixture();
    const size = 3 * MiB;
    const file = serveGeneratedFile(origin, '/norange.bin', { size, ranges: false, cutAfter: (n) => (n === 0 ? MiB : undefined) });
    const root = await tempDir();

    const result = await download(client(), file.url, 'norange.bin', { root });

    expect(file.served.map((s) => [s.status, s.range])).toEqual([[200, undefined], [200, `bytes=${MiB}-`]]);
    expect(result).toMatchObject({ bytes: size, sha256: file.sha256(), fetchedBytes: size + MiB });
    expect(await sha256File(result.dst)).toBe(file.sha256());
  });
});

describe('download: without a root, and caller headers', () => {
  it('without a root, dst is taken as given (the CLI’s -o FILE), parents created', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 4096 });
    const dir = await tempDir();

    const result = await download(client(), file.url, path.join(dir, 'deep', 'er', 'fw.bin'));

    expect(result.dst).toBe(path.join(dir, 'deep', 'er', 'fw.bin'));
    expect(await sha256File(result.dst)).toBe(file.sha256());
  });

  it('sends the caller’s headers, but owns Range, If-Range and Accept-Encoding', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 4096 });
    const root = await tempDir();

    await download(client(), file.url, 'fw.bin', { root, headers: { authorization: 'Bearer t', Range: 'bytes=100-', 'Accept-Encoding': 'gzip' } });

    const sent = origin.requestLog[0]!.headers;
    expect(sent['authorization']).toBe('Bearer t');
    expect(sent['range']).toBeUndefined();
    expect(sent['accept-encoding']).toBe('identity');
  });

  it('a 503 in the middle of a resume keeps the part for the next call, which finishes it', async () => {
    const origin = await fixture();
    const size = 2 * MiB;
    const file = serveGeneratedFile(origin, '/fw.bin', { size, cutAfter: (n) => (n === 0 ? MiB : undefined), failWith: (n) => (n === 1 ? 503 : undefined) });
    const root = await tempDir();

    await expect(download(client(), file.url, 'fw.bin', { root })).rejects.toMatchObject({ code: 'HTTP_STATUS', details: { status: 503 } });
    expect(await listDir(root)).toEqual(['fw.bin.part', 'fw.bin.part.json']);

    const result = await download(client(), file.url, 'fw.bin', { root, sha256: file.sha256() });
    expect(result).toMatchObject({ resumedFrom: MiB, fetchedBytes: MiB });
  });
});

describe('download: resume across calls and changed files', () => {
  /** Starts a download, lets the origin send `half` bytes, then aborts it once they are on disk. */
  async function abortAtHalf(url: string, half: number, root: string, held: { release: () => void }) {
    const controller = new AbortController();
    const started = download(client(), url, 'fw.bin', {
      root,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytes >= half) controller.abort();
      },
    });
    await expect(started).rejects.toMatchObject({ code: 'ABORTED' });
    held.release();
  }

  function holdAt(offset: number) {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    return { spec: { offset, release: promise }, release };
  }

  it('a later call resumes from <dst>.part with Range + If-Range and fetches only the rest', async () => {
    const origin = await fixture();
    const size = 4 * MiB;
    const hold = holdAt(size / 2);
    const file = serveGeneratedFile(origin, '/fw.bin', { size, holdAt: hold.spec });
    const root = await tempDir();
    await abortAtHalf(file.url, size / 2, root, hold);
    expect(await listDir(root)).toEqual(['fw.bin.part', 'fw.bin.part.json']);

    const result = await download(client(), file.url, 'fw.bin', { root, sha256: file.sha256() });

    expect(result).toMatchObject({ resumedFrom: size / 2, fetchedBytes: size / 2, sha256: file.sha256() });
    expect(file.served.at(-1)).toMatchObject({ status: 206, range: `bytes=${size / 2}-`, ifRange: file.etagOf(1) });
    expect(await listDir(root)).toEqual(['fw.bin']);
  });

  it('an abort whose reason carries discardPartial (a cancelled queue job) deletes the part and its sidecar', async () => {
    const origin = await fixture();
    const size = 4 * MiB;
    const hold = holdAt(size / 2);
    const file = serveGeneratedFile(origin, '/fw.bin', { size, holdAt: hold.spec });
    const root = await tempDir();
    const controller = new AbortController();
    const started = download(client(), file.url, 'fw.bin', {
      root,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytes >= size / 2) controller.abort(new CourierError('ABORTED', 'job cancelled', { discardPartial: true }));
      },
    });
    await expect(started).rejects.toMatchObject({ code: 'ABORTED' });
    hold.release();
    expect(await listDir(root)).toEqual([]);
  });

  it('request.maxResponseBytes bounds the whole file across a resume: BODY_TOO_LARGE, part deleted', async () => {
    const origin = await fixture();
    // No declared length anywhere: the first response is cut after 2 MiB, the resumed one sends
    // 2 MiB more. Each response stays under the 3 MiB limit the client checks; their sum does not.
    const piece = Buffer.alloc(2 * MiB, 0x64);
    origin.route('/endless.bin', (req, res) => {
      if (req.headers.range === undefined) {
        res.writeHead(200, { etag: '"v1"' });
        res.write(piece, () => res.destroy());
      } else {
        res.writeHead(206, { etag: '"v1"', 'content-range': `bytes ${2 * MiB}-${4 * MiB - 1}/*` });
        res.end(piece);
      }
    });
    const root = await tempDir();
    await expect(download(client(), `${origin.url}/endless.bin`, 'fw.bin', { root, request: { maxResponseBytes: 3 * MiB } })).rejects.toMatchObject({
      code: 'BODY_TOO_LARGE',
    });
    expect(await listDir(root)).toEqual([]);
  });

  it('a file changed on the origin (If-Range no longer matches → 200) restarts from zero and ends with the new file', async () => {
    const origin = await fixture();
    const size = 4 * MiB;
    let version = 1;
    const hold = holdAt(size / 2);
    const file = serveGeneratedFile(origin, '/fw.bin', { size, version: () => version, holdAt: hold.spec });
    const root = await tempDir();
    await abortAtHalf(file.url, size / 2, root, hold);
    version = 2;

    const result = await download(client(), file.url, 'fw.bin', { root });

    expect(file.served.at(-1)).toMatchObject({ status: 200, ifRange: file.etagOf(1) });
    expect(result).toMatchObject({ resumedFrom: size / 2, fetchedBytes: size, sha256: file.sha256(2) });
    expect(await sha256File(result.dst)).toBe(file.sha256(2));
  });

  it('a changed file with the old digest expected gives CHECKSUM_MISMATCH and leaves nothing behind', async () => {
    const origin = await fixture();
    const size = 2 * MiB;
    let version = 1;
    const hold = holdAt(size / 2);
    const file = serveGeneratedFile(origin, '/fw.bin', { size, version: () => version, holdAt: hold.spec });
    const root = await tempDir();
    await abortAtHalf(file.url, size / 2, root, hold);
    version = 2;

    await expect(download(client(), file.url, 'fw.bin', { root, sha256: file.sha256(1) })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: { expected: file.sha256(1), actual: file.sha256(2) },
    });
    expect(await listDir(root)).toEqual([]);
  });

  it('a server that changes the file at every resume gives RESOURCE_CHANGED, and no file at dst', async () => {
    const origin = await fixture();
    let version = 0;
    const file = serveGeneratedFile(origin, '/flaky.bin', { size: 4 * MiB, version: () => ++version, cutAfter: MiB });
    const root = await tempDir();

    await expect(download(client(), file.url, 'flaky.bin', { root, maxRestarts: 2 })).rejects.toMatchObject({ code: 'RESOURCE_CHANGED' });
    // First transfer, then three changed versions: the third change is one too many.
    expect(file.served.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(await listDir(root)).toEqual([]);
  });

  it('a part that was already whole (crash before the rename) is finished by a 416, without a body', async () => {
    const origin = await fixture();
    const size = MiB;
    const file = serveGeneratedFile(origin, '/fw.bin', { size });
    const root = await tempDir();
    // What a process killed between the last byte and the rename leaves behind.
    await writeFile(path.join(root, 'fw.bin.part'), generatedBytes(0, size));
    await writeFile(path.join(root, 'fw.bin.part.json'), JSON.stringify({ v: 1, url: file.url, validator: { etag: file.etagOf(1) }, total: null, sha256: null, durable: size }));

    const result = await download(client(), file.url, 'fw.bin', { root });

    expect(file.served).toEqual([expect.objectContaining({ status: 416, range: `bytes=${size}-`, ifRange: file.etagOf(1) })]);
    expect(result).toMatchObject({ bytes: size, fetchedBytes: 0, resumedFrom: size, sha256: file.sha256() });
    expect(await listDir(root)).toEqual(['fw.bin']);
  });

  it('after a crash, the tail that may hold a gap (writes in flight) is fetched again; the checkpointed part is kept', async () => {
    const origin = await fixture();
    const size = 8 * MiB;
    const file = serveGeneratedFile(origin, '/fw.bin', { size });
    const root = await tempDir();
    // A process killed with four 1 MiB writes in flight: the last one landed, the ones before did not.
    const part = Buffer.concat([generatedBytes(0, 3 * MiB), Buffer.alloc(3 * MiB), generatedBytes(6 * MiB, MiB)]);
    await writeFile(path.join(root, 'fw.bin.part'), part);
    await writeFile(path.join(root, 'fw.bin.part.json'), JSON.stringify({ v: 1, url: file.url, validator: { etag: file.etagOf(1) }, total: size, sha256: null, durable: MiB }));

    const result = await download(client(), file.url, 'fw.bin', { root });

    expect(result).toMatchObject({ resumedFrom: 3 * MiB, fetchedBytes: 5 * MiB, sha256: file.sha256() });
  });

  it('resume: false ignores the part and starts over', async () => {
    const origin = await fixture();
    const size = 2 * MiB;
    const hold = holdAt(size / 2);
    const file = serveGeneratedFile(origin, '/fw.bin', { size, holdAt: hold.spec });
    const root = await tempDir();
    await abortAtHalf(file.url, size / 2, root, hold);

    const result = await download(client(), file.url, 'fw.bin', { root, resume: false });

    expect(file.served.at(-1)).toMatchObject({ status: 200, range: undefined });
    expect(result).toMatchObject({ resumedFrom: 0, fetchedBytes: size, sha256: file.sha256() });
  });
});
