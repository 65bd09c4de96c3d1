// Issue 13 item 4, played as an attacker's upstream: an endless body, an endless download, silent
// upstreams with jobs asking for no timeouts, and jobs asking for more than the operator allows.
// Everything runs through the real worker process (@courier/worker, configured from its environment)
// on the in-memory queue, against loopback servers and the real disk.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { MemoryDriver, queueDefaults, sweepResultsOnce } from '@courier/queue';
import { sweepStaleParts } from '@courier/download';
import { loadWorkerConfig, startWorkerProcess } from '@courier/worker';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpFixture, startRawFixture } from '../fixtures/index.ts';
import { until } from '../harness/index.ts';

const MiB = 1024 * 1024;

async function setup(env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'courier-upstream-limits-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const fixture = await startHttpFixture();
  onTestFinished(() => fixture.close());
  const queue = new MemoryDriver();
  onTestFinished(() => queue.close());
  const resultsDir = join(dir, 'results');
  const downloadRoot = join(dir, 'downloads');
  const config = loadWorkerConfig({
    COURIER_RESULTS_DIR: resultsDir,
    COURIER_DOWNLOAD_ROOT: downloadRoot,
    COURIER_ALLOW_DESTINATIONS: 'loopback',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const worker = await startWorkerProcess(config, { queue, logger: pino({ level: 'silent' }) });
  onTestFinished(() => worker.stop());
  return { fixture, queue, resultsDir, downloadRoot };
}

/**
 * An upstream that never ends its body: chunks as fast as the client takes them (backpressure
 * respected), until the client goes away or the test's own watchdog (`stopAfterBytes`) — so a
 * broken limit fails the test instead of filling this machine's disk.
 */
function endlessBody(res: ServerResponse, stopAfterBytes: number, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const pump = () => {
    while (!res.destroyed && sent.bytes < stopAfterBytes) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('request jobs: bounded by default', () => {
  it('an endless body fails with BODY_TOO_LARGE at the default 64 MiB cap and leaves nothing in the results directory', async () => {
    const { fixture, queue, resultsDir } = await setup();
    const cap = queueDefaults.upstream.maxResponseBytes;
    const sent = { bytes: 0 };
    fixture.route('/endless', (_req, res) => endlessBody(res, 8 * cap, sent));
    const [job] = await queue.enqueue([{ url: `${fixture.url}/endless` }], { attempts: 1 });
    const record = await queue.wait(job!.id, 60_000);
    expect(record).toMatchObject({ state: 'failed', error: { code: 'BODY_TOO_LARGE' } });
    // The transfer was cut at the cap (plus what socket buffers hold), not at the watchdog.
    expect(sent.bytes).toBeLessThan(2 * cap);
    expect(await filesUnder(resultsDir)).toEqual([]);
  });

  it('a job asking 0 (no limit) or more than the operator maximum gets the maximum; a lower limit is kept', async () => {
    const { fixture, queue } = await setup({ COURIER_MAX_RESPONSE_BYTES: String(256 * 1024) });
    const sent = [{ bytes: 0 }, { bytes: 0 }];
    fixture.route('/endless/0', (_req, res) => endlessBody(res, 64 * MiB, sent[0]!));
    fixture.route('/endless/1', (_req, res) => endlessBody(res, 64 * MiB, sent[1]!));
    fixture.route('/small', (_req, res) => res.end(Buffer.alloc(5000)));
    const [zero, huge, lower] = await queue.enqueue(
      [
        { url: `${fixture.url}/endless/0`, maxResponseBytes: 0 },
        { url: `${fixture.url}/endless/1`, maxResponseBytes: 10 * 1024 ** 3 },
        { url: `${fixture.url}/small`, maxResponseBytes: 1000 },
      ],
      { attempts: 1 },
    );
    for (const job of [zero, huge, lower]) expect(await queue.wait(job!.id, 30_000)).toMatchObject({ state: 'failed', error: { code: 'BODY_TOO_LARGE' } });
    for (const s of sent) expect(s.bytes).toBeLessThan(32 * MiB);
  });

  it('a cancelled request job (DELETE) leaves no body file, not even its .part', async () => {
    const { fixture, queue, resultsDir } = await setup();
    // Past the inline size (so the body spills to a file), then silence.
    fixture.route('/stalls', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(queueDefaults.inlineBodyBytes * 4, 0x63));
    });
    const [job] = await queue.enqueue([{ url: `${fixture.url}/stalls` }], { attempts: 1 });
    await until(async () => (await filesUnder(resultsDir)).some((f) => f.endsWith('.part')), 'the body to spill to its .part', 30_000);
    expect(await queue.cancel(job!.id)).toBe(true);
    expect((await queue.wait(job!.id, 30_000))?.state).toMatch(/cancelled|failed/);
    expect(await filesUnder(resultsDir)).toEqual([]);
  });

  it('sixteen silent upstreams with 0 timeouts asked by the jobs time out at the operator maximum and free every slot', async () => {
    const maxMs = 300;
    const { queue, fixture } = await setup({ COURIER_MAX_TOTAL_TIMEOUT_MS: String(maxMs), COURIER_CONCURRENCY: '16' });
    // Reads the request, never answers.
    const silent = await startRawFixture(async (_socket, ctx) => {
      await ctx.readRequest();
    });
    onTestFinished(() => silent.close());
    const jobs = Array.from({ length: 16 }, (_, i) => ({ url: `${silent.url}/silent/${i}`, headersTimeoutMs: 0, bodyTimeoutMs: 0, totalTimeoutMs: 0 }));
    const clamped = { url: `${silent.url}/silent/long`, totalTimeoutMs: 3_600_000, headersTimeoutMs: 3_600_000 };
    const started = Date.now();
    const enqueued = await queue.enqueue([...jobs, clamped], { attempts: 1 });
    const watchdogMs = 10 * maxMs * 2;
    const records = await Promise.all(enqueued.map((job) => queue.wait(job.id, watchdogMs)));
    for (const record of records) {
      expect(record?.state).toBe('failed');
      expect(['TOTAL_TIMEOUT', 'HEADERS_TIMEOUT']).toContain(record?.error?.code);
    }
    expect(Date.now() - started).toBeLessThan(watchdogMs);
    // Every slot is free again: a normal job runs at once.
    const [next] = await queue.enqueue([{ url: `${fixture.url}/hello` }]);
    expect(await queue.wait(next!.id, 10 * maxMs)).toMatchObject({ state: 'completed' });
  });
});

describe('download jobs: bounded by size or the operator maximum, no partial file left', () => {
  it('an endless download stops at COURIER_MAX_DOWNLOAD_BYTES and leaves no .part', async () => {
    const { fixture, queue, downloadRoot } = await setup({ COURIER_MAX_DOWNLOAD_BYTES: String(4 * MiB) });
    const sent = { bytes: 0 };
    fixture.route('/endless.bin', (_req, res) => endlessBody(res, 256 * MiB, sent));
    const [job] = await queue.enqueue([{ kind: 'download', url: `${fixture.url}/endless.bin`, dst: 'fw/endless.bin' }], { attempts: 1 });
    expect(await queue.wait(job!.id, 60_000)).toMatchObject({ state: 'failed', error: { code: 'BODY_TOO_LARGE' } });
    expect(sent.bytes).toBeLessThan(64 * MiB);
    expect(await filesUnder(downloadRoot)).toEqual([]);
  });

  it('a size above the operator maximum is refused before any byte is fetched', async () => {
    const { fixture, queue } = await setup({ COURIER_MAX_DOWNLOAD_BYTES: String(MiB) });
    const [job] = await queue.enqueue([{ kind: 'download', url: `${fixture.url}/bytes/10`, dst: 'big.bin', size: 2 * MiB }], { attempts: 3 });
    expect(await queue.wait(job!.id, 30_000)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'BODY_TOO_LARGE' } });
    expect(fixture.requests).toBe(0);
  });

  it('cancelling (DELETE) a running download removes its .part and sidecar', async () => {
    const { fixture, queue, downloadRoot } = await setup();
    // 3 MiB, then silence (no end): the part has bytes on disk while the job is still running.
    fixture.route('/stalls.bin', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(3 * MiB, 0x62));
    });
    const [job] = await queue.enqueue([{ kind: 'download', url: `${fixture.url}/stalls.bin`, dst: 'fw/stalls.bin' }], { attempts: 1 });
    const part = join(downloadRoot, 'fw', 'stalls.bin.part');
    await until(async () => existsSync(part) && (await stat(part)).size > 0, 'the part to hold bytes', 30_000);
    expect(await queue.cancel(job!.id)).toBe(true);
    expect((await queue.wait(job!.id, 30_000))?.state).toMatch(/cancelled|failed/);
    expect(await filesUnder(downloadRoot)).toEqual([]);
  });
});

describe('abandoned download parts are swept', () => {
  it('a .part (and sidecar) left by a job that will not run again goes once untouched for COURIER_DOWNLOAD_PART_MAX_AGE_MS; a fresh one stays', async () => {
    const { downloadRoot } = await setup({ COURIER_DOWNLOAD_PART_MAX_AGE_MS: '200' });
    await mkdir(join(downloadRoot, 'fw'), { recursive: true });
    const stale = join(downloadRoot, 'fw', 'gone.bin.part');
    const fresh = join(downloadRoot, 'fw', 'fresh.bin.part');
    await writeFile(stale, 'x');
    await writeFile(`${stale}.json`, '{}');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(stale, longAgo, longAgo);
    await until(() => !existsSync(stale) && !existsSync(`${stale}.json`), 'the worker to sweep the abandoned part', 20_000);
    // Written after the sweep began, so younger than the age at the sweep that removed the stale one.
    await writeFile(fresh, 'y');
    expect(await sweepStaleParts(downloadRoot, 60_000)).toBe(0);
    expect(existsSync(fresh)).toBe(true);
  });
});

describe('the results directory is swept', () => {
  it('by age in a running worker (on by default), and by total size, oldest first', async () => {
    const { resultsDir } = await setup({ COURIER_RESULTS_MAX_AGE_MS: '200' });
    await mkdir(resultsDir, { recursive: true });
    const old = join(resultsDir, 'old.body');
    await writeFile(old, 'x');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(old, longAgo, longAgo);
    await until(() => !existsSync(old), 'the running worker to sweep the expired body', 2_000 * 10);

    const sizeDir = join(resultsDir, 'by-size');
    await mkdir(sizeDir);
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const path = join(sizeDir, `${name}.body`);
      await writeFile(path, Buffer.alloc(1000));
      const at = new Date(Date.now() - (10 - i) * 1000);
      await utimes(path, at, at);
    }
    expect(await sweepResultsOnce(sizeDir, { maxAgeMs: 0, maxBytes: 2000 })).toBe(1);
    expect((await readdir(sizeDir)).sort()).toEqual(['b.body', 'c.body']);
  });

  it('is configured by default: age = completed retention, size = 4 GiB, request limits 64 MiB / 5 min', () => {
    const config = loadWorkerConfig({});
    expect(config).toMatchObject({
      resultsMaxAgeMs: queueDefaults.retention.completedAgeMs,
      resultsMaxBytes: 4 * 1024 ** 3,
      maxResponseBytes: 64 * MiB,
      maxTotalTimeoutMs: 5 * 60_000,
      maxDownloadBytes: 16 * 1024 ** 3,
    });
  });
});
