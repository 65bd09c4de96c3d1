import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveGeneratedFile } from './support/generated-file.ts';
import { startDownloadChild } from './support/child-process.ts';
import { waitForDurable } from './support/sidecar-watch.ts';
import { fixture, listDir, sha256File, tempDir } from './support/setup.ts';

const MiB = 1024 * 1024;

describe('download across a process restart', () => {
  it('a download SIGKILLed at half resumes in a new process and fetches at most 1 % of the file again', async () => {
    const origin = await fixture();
    const size = 64 * MiB;
    const half = size / 2;
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size, holdAt: { offset: half, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();

    // The origin stops at half (a stalled link); once the child has half on disk and has
    // checkpointed it, it dies without warning.
    const first = startDownloadChild({ url: file.url, dst: 'fw.bin', root, progressIntervalMs: 0 });
    await first.next((e) => e.event === 'progress' && e.bytes === half);
    await waitForDurable(path.join(root, 'fw.bin.part.json'), half);
    first.process.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    release();
    expect(await listDir(root)).toEqual(['fw.bin.part', 'fw.bin.part.json']);

    const second = startDownloadChild({ url: file.url, dst: 'fw.bin', root, sha256: file.sha256() });
    const done = await second.next((e) => e.event === 'done' || e.event === 'error');

    expect(done).toMatchObject({ event: 'done', result: { resumedFrom: half, fetchedBytes: half, sha256: file.sha256() } });
    expect(file.served.at(-1)).toMatchObject({ status: 206, range: `bytes=${half}-`, ifRange: file.etagOf(1) });
    const fetchedAgain = file.bytesSent - size;
    expect(fetchedAgain).toBeLessThanOrEqual(size / 100);
    expect(await sha256File(path.join(root, 'fw.bin'))).toBe(file.sha256());
    expect(await listDir(root)).toEqual(['fw.bin']);
  }, 120_000);
});
