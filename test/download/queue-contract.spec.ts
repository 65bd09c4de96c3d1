// The download job handler is written without importing @courier/queue (DESIGN's one-way rule);
// this test holds the two together: the queue's own types and the queue's own job parser.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDownloadJobHandler } from '@courier/download';
import { parseJob, type DownloadJob, type JobHandler, type JobProgress, type KindHandler } from '@courier/queue';
import { serveGeneratedFile } from './support/generated-file.ts';
import { client, fixture, sha256File, tempDir } from './support/setup.ts';

describe('download job handler ↔ @courier/queue', () => {
  it('fits the queue’s handler types and runs a job the queue parsed (headers as pairs, digest lower-cased)', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 512 * 1024 });
    const root = await tempDir();
    const handler = createDownloadJobHandler({ client: client(), root, workerId: 'w' });
    // Compile-time contract: both registration shapes accept the handler as it is.
    const asKind: KindHandler<DownloadJob> = handler;
    const asJobHandler: JobHandler = handler;
    void asJobHandler;

    const input = parseJob({ kind: 'download', url: file.url, dst: 'dev/fw.bin', sha256: file.sha256().toUpperCase(), headers: { 'x-fleet': 'a' } });
    const progress: JobProgress[] = [];
    const result = await asKind(
      { id: 'job-1', input: input as DownloadJob, attempt: 1, signal: new AbortController().signal, reportProgress: (p) => progress.push(p) },
      { client: client(), workerId: 'w', resultsDir: root, inlineBodyBytes: 0 },
    );

    expect(result).toEqual({ kind: 'download', dst: 'dev/fw.bin', bytes: file.size, sha256: file.sha256(), fetchedBytes: file.size, workerId: 'w' });
    expect(await sha256File(path.join(root, 'dev/fw.bin'))).toBe(file.sha256());
    expect(progress.at(-1)).toMatchObject({ bytes: file.size, total: file.size });
    expect(origin.requestLog[0]!.headers['x-fleet']).toBe('a');
  });
});
