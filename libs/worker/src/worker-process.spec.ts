import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDriver } from '@courier/queue';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { patternBytes, startHttpFixture } from '../../../test/fixtures/index.ts';
import { loadWorkerConfig } from './config.ts';
import { startWorkerProcess } from './worker-process.ts';

async function setup(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'courier-worker-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const fixture = await startHttpFixture();
  onTestFinished(() => fixture.close());
  const queue = new MemoryDriver();
  onTestFinished(() => queue.close());
  const config = loadWorkerConfig({ COURIER_RESULTS_DIR: join(dir, 'results'), COURIER_DOWNLOAD_ROOT: join(dir, 'downloads'), LOG_LEVEL: 'silent', ...env });
  const worker = await startWorkerProcess(config, { queue, logger: pino({ level: 'silent' }) });
  onTestFinished(() => worker.stop());
  return { dir, fixture, queue, worker };
}

describe('worker process (in-process, on the memory queue)', () => {
  it('runs request and download jobs through its client', async () => {
    const { dir, fixture, queue, worker } = await setup({ COURIER_ALLOW_DESTINATIONS: 'loopback', COURIER_WORKER_ID: 'w-test' });
    const [request, download] = await queue.enqueue([
      { url: `${fixture.url}/hello` },
      { kind: 'download', url: `${fixture.url}/bytes/5000`, dst: 'fw/image.bin', sha256: createHash('sha256').update(patternBytes(5000)).digest('hex') },
    ]);
    expect(await queue.wait(request!.id, 30_000)).toMatchObject({ state: 'completed', result: { status: 200, workerId: 'w-test' } });
    expect(await queue.wait(download!.id, 30_000)).toMatchObject({ state: 'completed', result: { kind: 'download', bytes: 5000 } });
    expect(await readFile(join(dir, 'downloads', 'fw', 'image.bin'))).toEqual(patternBytes(5000));
    expect(worker.workerId).toBe('w-test');
  });

  it('refuses loopback destinations unless allowed: BLOCKED_DESTINATION, not retried', async () => {
    const { fixture, queue } = await setup({});
    const [job] = await queue.enqueue([{ url: `${fixture.url}/hello` }], { attempts: 3 });
    expect(await queue.wait(job!.id, 30_000)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'BLOCKED_DESTINATION' } });
    expect(fixture.requests).toBe(0);
  });

  it('stop() finishes the active job, leaves a borrowed queue open, and is idempotent', async () => {
    const { fixture, queue, worker } = await setup({ COURIER_ALLOW_DESTINATIONS: 'loopback' });
    fixture.route('/held', (_req, res) => {
      res.writeHead(200);
      res.end('done');
    });
    const latch = fixture.hold('/held');
    const [job] = await queue.enqueue([{ url: `${fixture.url}/held` }]);
    await latch.waitForArrivals(1);
    const stopped = worker.stop('test');
    expect(worker.stop('again')).toBe(stopped);
    latch.release();
    await stopped;
    expect(await queue.get(job!.id)).toMatchObject({ state: 'completed' });
    // The queue still takes jobs (the server owns it), but nobody runs them any more.
    const [later] = await queue.enqueue([{ url: `${fixture.url}/hello` }]);
    expect((await queue.get(later!.id))!.state).toBe('waiting');
  });
});
