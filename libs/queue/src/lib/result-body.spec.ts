/**
 * storeBody against a real loopback origin and the real disk: inline below the threshold, a file
 * above it (binary safe, no `.part` left), DISK_ERROR when the file cannot be written.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
// Test-only relative import of the shared fixtures (allowed for tests by the project brief).
import { patternBytes, startHttpFixture } from '../../../../test/fixtures/index.ts';
import { storeBody } from './result-body.ts';

async function setup() {
  const fixture = await startHttpFixture();
  onTestFinished(() => fixture.close());
  const client = createClient();
  onTestFinished(() => client.destroy());
  const dir = await mkdtemp(join(tmpdir(), 'courier-body-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return { fixture, client, dir };
}

describe('storeBody', () => {
  it('keeps a body up to inlineBodyBytes inline, as base64', async () => {
    const { fixture, client, dir } = await setup();
    const res = await client.request(`${fixture.url}/bytes/1000`);
    const stored = await storeBody(res, 'job-1', dir, 1000);
    expect(stored.bodyFile).toBeUndefined();
    expect(stored.bodyBytes).toBe(1000);
    expect(Buffer.from(stored.bodyBase64!, 'base64')).toEqual(patternBytes(1000));
    expect(await readdir(dir)).toEqual([]);
  });

  it('spills a larger body to <jobId>.body, byte for byte, and leaves no part file', async () => {
    const { fixture, client, dir } = await setup();
    const res = await client.request(`${fixture.url}/bytes/300000`);
    const stored = await storeBody(res, 'job-2', dir, 1000);
    expect(stored).toEqual({ bodyBytes: 300_000, bodyFile: 'job-2.body' });
    expect(await readFile(join(dir, 'job-2.body'))).toEqual(patternBytes(300_000));
    expect(await readdir(dir)).toEqual(['job-2.body']);
  });

  it('fails with DISK_ERROR when the results directory is missing', async () => {
    const { fixture, client, dir } = await setup();
    const res = await client.request(`${fixture.url}/bytes/300000`);
    await expect(storeBody(res, 'job-3', join(dir, 'missing'), 1000)).rejects.toMatchObject({ code: 'DISK_ERROR' });
    expect(await readdir(dir)).toEqual([]);
  });
});
