// Per-test resources for download tests, each cleaned up by the test that made it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { createClient, type Client } from '@courier/origin';
import { forThisTest, startHttpFixture, type HttpFixture } from '../../fixtures/index.ts';

export async function tempDir(prefix = 'courier-dl-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const fixture = (): Promise<HttpFixture> => forThisTest(startHttpFixture());

/** A client with the core's own retries off at this level (the downloader resumes itself) and short timeouts. */
export function client(): Client {
  const c = createClient({ policy: { bodyTimeoutMs: 20_000, headersTimeoutMs: 20_000 } });
  onTestFinished(() => c.destroy());
  return c;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Names in `dir` (sorted), to assert that nothing partial was left behind. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
