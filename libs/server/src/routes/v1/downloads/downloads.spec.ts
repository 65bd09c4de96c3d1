// POST /v1/downloads and GET /v1/downloads/:id through app.inject, on the in-memory queue with a
// real worker running @courier/download's job handler (as @courier/worker registers it) against a
// loopback fixture origin; progress read from the existing SSE route of the job.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDownloadJobHandler } from '@courier/download';
import { createClient } from '@courier/origin';
import { createJobHandlers, createQueue, startWorker, type JobRecord, type QueueDriver } from '@courier/queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../../app.ts';
import { defaults } from '../../../config/defaults.ts';
import { readEvents } from '../../../testing/sse.ts';
import { json, startOrigin } from '../../../testing/test-app.ts';

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'courier-downloads-route-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The app on the in-memory queue; `startDownloadWorker()` starts a worker with the download handler when the test wants jobs to run. */
async function downloadsApp(options: { downloadRoot?: string } = {}) {
  const root = tempDir();
  const queue: QueueDriver = await createQueue();
  const client = createClient();
  const app = await buildApp({
    config: {
      token: undefined,
      bodyLimitBytes: defaults.bodyLimitBytes,
      maxBatch: 10,
      maxWaitMs: 10_000,
      metricsTopOrigins: defaults.metricsTopOrigins,
      resultsDir: root,
      ...(options.downloadRoot === undefined ? {} : { downloadRoot: options.downloadRoot }),
    },
    queue,
    client,
    sseHeartbeatMs: 60_000,
  });
  const workers: Array<{ close(graceMs?: number): Promise<void> }> = [];
  onTestFinished(async () => {
    await app.close();
    for (const w of workers) await w.close(1_000);
    await queue.close();
    await client.destroy();
  });
  const startDownloadWorker = (progressIntervalMs = 100) => {
    const handlers = createJobHandlers();
    const download = createDownloadJobHandler({ client, root, workerId: 'route-test', defaults: { progressIntervalMs } });
    handlers.register('download', (job) => download(job));
    workers.push(startWorker({ queue, client, handlers, concurrency: 4, resultsDir: root }));
  };
  return { app, queue, root, startDownloadWorker };
}

async function expect400(app: Awaited<ReturnType<typeof downloadsApp>>['app'], payload: unknown, field: string, code = 'BAD_JOB') {
  const answer = await app.inject({ method: 'POST', url: '/v1/downloads', payload: payload as object });
  expect(answer.statusCode, answer.body).toBe(400);
  const { error } = json<ErrorAnswer>(answer);
  expect(error.field).toBe(field);
  expect(error.code).toBe(code);
  expect(error.message.startsWith(`${field}: `)).toBe(true);
  return error;
}

describe('POST /v1/downloads: validation', () => {
  it('answers 400 naming the field for bad downloads, and BAD_PATH for a dst that leaves the root', async () => {
    const { app } = await downloadsApp();
    const url = 'http://127.0.0.1:9/fw.bin';
    await expect400(app, { url }, 'dst');
    await expect400(app, { dst: 'a.bin' }, 'url');
    await expect400(app, { url: 'ftp://x/fw.bin', dst: 'a.bin' }, 'url', 'UNSUPPORTED_SCHEME');
    await expect400(app, { url, dst: 'a.bin', sha256: 'abc' }, 'sha256');
    await expect400(app, { url, dst: 'a.bin', size: -1 }, 'size');
    await expect400(app, { url, dst: 'a.bin', colour: 'red' }, 'colour');
    await expect400(app, { url, dst: 'a.bin', kind: 'request' }, 'kind');
    expect((await expect400(app, { url, dst: '../escape.bin' }, 'dst', 'BAD_PATH')).message).toContain("'..'");
    await expect400(app, { url, dst: 'fleet/..\\..\\escape.bin' }, 'dst', 'BAD_PATH');
    expect((await expect400(app, { url, dst: '/etc/passwd' }, 'dst', 'BAD_PATH')).message).toContain('COURIER_DOWNLOAD_ROOT');
    await expect400(app, { url, dst: 'fleet/' }, 'dst', 'BAD_PATH');
    await expect400(app, { jobs: [{ url, dst: 'ok.bin' }, { url, dst: '../x.bin' }] }, 'jobs[1].dst', 'BAD_PATH');
    await expect400(app, { jobs: [] }, 'jobs');
    await expect400(app, { jobs: Array.from({ length: 11 }, (_, i) => ({ url, dst: `${i}.bin` })) }, 'jobs');
  });

  it('with COURIER_DOWNLOAD_ROOT set, takes an absolute dst inside the root and refuses one outside', async () => {
    const root = tempDir();
    const { app } = await downloadsApp({ downloadRoot: root });
    const url = 'http://127.0.0.1:9/fw.bin';
    const inside = await app.inject({ method: 'POST', url: '/v1/downloads', payload: { url, dst: join(root, 'dev-1', 'fw.bin') } });
    expect(inside.statusCode, inside.body).toBe(202);
    await expect400(app, { url, dst: join(tmpdir(), 'elsewhere.bin') }, 'dst', 'BAD_PATH');
    await expect400(app, { url, dst: root }, 'dst', 'BAD_PATH');
  });

  it('answers 404 for an unknown id, and for a request job asked as a download', async () => {
    const { app } = await downloadsApp();
    expect((await app.inject('/v1/downloads/no-such-job')).statusCode).toBe(404);
    const request = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: 'http://127.0.0.1:9/x' } });
    const [id] = json<{ ids: string[] }>(request).ids;
    const answer = await app.inject(`/v1/downloads/${id}`);
    expect(answer.statusCode).toBe(404);
    expect(json<ErrorAnswer>(answer).error.code).toBe('NOT_FOUND');
  });
});

describe('download jobs through the queue', () => {
  it('runs a download job to a verified file, with progress (bytes, total, rate) as server-sent events', async () => {
    const { app, root, startDownloadWorker } = await downloadsApp();
    const origin = await startOrigin();
    const size = 2 * 1024 * 1024;
    const body = randomBytes(size);
    const sha256 = createHash('sha256').update(body).digest('hex');
    // Sent in 64 KiB steps a few milliseconds apart, so the download reports progress on the way.
    origin.route('/fw.bin', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      for (let at = 0; at < size && !res.destroyed; at += 65_536) {
        res.write(body.subarray(at, at + 65_536));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      res.end();
    });

    const posted = await app.inject({ method: 'POST', url: '/v1/downloads', payload: { url: `${origin.url}/fw.bin`, dst: 'dev-1/fw.bin', sha256, size, idempotencyKey: 'dev-1-fw' } });
    expect(posted.statusCode, posted.body).toBe(202);
    const [id] = json<{ ids: string[] }>(posted).ids;
    // The event stream is open before any worker exists, so no event can come before it.
    const stream = await app.inject({ url: `/v1/requests/${id}/events`, payloadAsStream: true });
    startDownloadWorker(0);
    const events = await readEvents(stream.stream());

    expect(events[0]).toMatchObject({ event: 'state', data: { id, state: 'waiting', kind: 'download' } });
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { id, result: { kind: 'download', dst: 'dev-1/fw.bin', bytes: size, sha256 } } });
    const progress = events.filter((e) => e.event === 'progress').map((e) => (e.data as { progress: { bytes: number; total: number | null; rate: number } }).progress);
    expect(progress.length).toBeGreaterThan(1);
    for (const p of progress) {
      // Unknown (null) until the response head has said how large the file is.
      expect([null, size]).toContain(p.total);
      expect(p.bytes).toBeGreaterThanOrEqual(0);
      expect(p.bytes).toBeLessThanOrEqual(size);
      expect(typeof p.rate).toBe('number');
    }
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ bytes: size, total: size });

    const record = json<JobRecord>(await app.inject(`/v1/downloads/${id}`));
    expect(record).toMatchObject({ id, kind: 'download', state: 'completed', result: { dst: 'dev-1/fw.bin', bytes: size, sha256, fetchedBytes: size } });
    expect(createHash('sha256').update(readFileSync(join(root, 'dev-1/fw.bin'))).digest('hex')).toBe(sha256);

    // The same idempotency key again: the same job, not a second download.
    const again = await app.inject({ method: 'POST', url: '/v1/downloads', payload: { url: `${origin.url}/fw.bin`, dst: 'dev-1/fw.bin', sha256, size, idempotencyKey: 'dev-1-fw' } });
    expect(json<{ jobs: unknown[] }>(again).jobs).toEqual([{ id, duplicate: true }]);
    expect(origin.requests).toBe(1);
  });

  it('fails a download whose digest does not match with CHECKSUM_MISMATCH, and leaves no file', async () => {
    const { app, root, startDownloadWorker } = await downloadsApp();
    const origin = await startOrigin();
    startDownloadWorker();
    const posted = await app.inject({ method: 'POST', url: '/v1/downloads', payload: { url: `${origin.url}/bytes/1000`, dst: 'bad.bin', sha256: 'a'.repeat(64) } });
    const [id] = json<{ ids: string[] }>(posted).ids;
    const record = json<JobRecord>(await app.inject(`/v1/requests/${id}?wait=10000`));
    expect(record).toMatchObject({ state: 'failed', error: { code: 'CHECKSUM_MISMATCH' } });
    expect(() => readFileSync(join(root, 'bad.bin'))).toThrow();
  });
});
