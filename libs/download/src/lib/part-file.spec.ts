import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PartFile } from './part-file.ts';

const KiB = 1024;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'courier-part-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Hands `data` to the part in chunks of uneven sizes (1 B to 200 KiB), waiting when told to. */
async function writeInChunks(part: PartFile, data: Buffer): Promise<void> {
  let at = 0;
  for (let i = 0; at < data.length; i += 1) {
    const size = Math.min(data.length - at, 1 + ((i * 7_919) % (200 * KiB)));
    const room = part.write(data.subarray(at, at + size));
    if (room) await room;
    at += size;
  }
}

// Small slots so that a few MiB cross many slot boundaries and the ring wraps many times.
const small = { batchBytes: 64 * KiB, maxWritesInFlight: 3, syncEveryBytes: 256 * KiB };

describe('PartFile writes', () => {
  it('writes and hashes exactly the bytes handed to it, whatever the chunk sizes', async () => {
    const dir = await tempDir();
    const data = randomBytes(3 * 1024 * KiB + 12_345);
    const part = await PartFile.open(path.join(dir, 'a.part'), false, small);
    await writeInChunks(part, data);
    expect(part.size).toBe(data.length);
    expect(await part.digest()).toBe(sha256(data));
    await part.commit(path.join(dir, 'a'));
    expect(part.written).toBe(data.length);
    expect((await readFile(path.join(dir, 'a'))).equals(data)).toBe(true);
  });

  it('restarts the hash on truncate(0), and rehashes an existing part on resume', async () => {
    const dir = await tempDir();
    const partPath = path.join(dir, 'b.part');
    const first = randomBytes(300 * KiB);
    const second = randomBytes(500 * KiB + 3);
    const part = await PartFile.open(partPath, false, small);
    await writeInChunks(part, first);
    await part.truncate(0);
    await writeInChunks(part, second);
    expect(await part.digest()).toBe(sha256(second));
    await part.close();

    const resumed = await PartFile.open(partPath, true, small);
    onTestFinished(() => resumed.close());
    const seen: number[] = [];
    await resumed.hashExisting((n) => seen.push(n));
    expect(seen.at(-1)).toBe(second.length);
    const tail = randomBytes(70 * KiB);
    await writeInChunks(resumed, tail);
    expect(await resumed.digest()).toBe(sha256(Buffer.concat([second, tail])));
    await resumed.flush();
    expect((await readFile(partPath)).equals(Buffer.concat([second, tail]))).toBe(true);
  });

  it.runIf(existsSync('/dev/full'))('a disk that refuses the bytes gives DISK_ERROR with its errno', async () => {
    // /dev/full accepts open() and fails every write with ENOSPC: a full disk, for real.
    const part = await PartFile.open('/dev/full', true, small);
    onTestFinished(() => part.close());
    await expect(
      (async () => {
        await writeInChunks(part, randomBytes(512 * KiB));
        await part.flush();
      })(),
    ).rejects.toMatchObject({ code: 'DISK_ERROR', details: { errno: 'ENOSPC' } });
  });
});

describe('PartFile', () => {
  it('never keeps the process alive: one that only opened and discarded a part exits by itself', async () => {
    // Nothing it starts (timers, syncs) may hold the event loop once the part is discarded.
    const dir = await tempDir();
    const partFile = fileURLToPath(new URL('./part-file.ts', import.meta.url));
    const script = `const { PartFile } = await import(${JSON.stringify(partFile)});
      const part = await PartFile.open(${JSON.stringify(path.join(dir, 'd.part'))}, false);
      await part.discard();`;
    const run = promisify(execFile)(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
      timeout: 30_000,
    });
    await expect(run).resolves.toBeDefined();
  });

  it('refuses a symlink planted at the part name (BAD_PATH)', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'target'), 'x');
    const { symlink } = await import('node:fs/promises');
    await symlink(path.join(dir, 'target'), path.join(dir, 'c.part'));
    await expect(PartFile.open(path.join(dir, 'c.part'), true)).rejects.toMatchObject({ code: 'BAD_PATH' });
  });
});
