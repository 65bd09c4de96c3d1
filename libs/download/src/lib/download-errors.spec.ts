import { execFileSync } from 'node:child_process';
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { download } from '../index.ts';
import { serveGeneratedFile } from '../../../../test/download/support/generated-file.ts';
import { client, fixture, listDir, tempDir } from '../../../../test/download/support/setup.ts';

const MiB = 1024 * 1024;

/** A directory nobody may write into: chmod for ordinary users; root ignores modes, so the immutable flag. */
async function unwritableDir(parent: string): Promise<string> {
  const dir = path.join(parent, 'locked');
  await mkdir(dir);
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', dir]);
    onTestFinished(() => void execFileSync('chattr', ['-i', dir]));
  } else {
    execFileSync('chmod', ['0555', dir]);
    onTestFinished(() => void execFileSync('chmod', ['0755', dir]));
  }
  return dir;
}

describe('download: each failure has its own code and leaves no file at dst', () => {
  it('wrong digest → CHECKSUM_MISMATCH, and neither dst nor the part remain', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB });
    const root = await tempDir();
    const wrong = 'ab'.repeat(32);

    await expect(download(client(), file.url, 'fw.bin', { root, sha256: wrong })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: { expected: wrong, actual: file.sha256() },
    });
    expect(await listDir(root)).toEqual([]);
  });

  it('a declared size other than the expected one fails from the response head, before the body', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 8 * MiB });
    const root = await tempDir();

    await expect(download(client(), file.url, 'fw.bin', { root, size: 1000 })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: { expectedSize: 1000, actualSize: 8 * MiB },
    });
    expect(file.bytesSent).toBeLessThan(8 * MiB);
    expect(await listDir(root)).toEqual([]);
  });

  it('404 → HTTP_STATUS with the status, nothing on disk', async () => {
    const origin = await fixture();
    const root = await tempDir();

    const failure = download(client(), `${origin.url}/status/404`, 'fw.bin', { root });

    await expect(failure).rejects.toMatchObject({ code: 'HTTP_STATUS', details: { status: 404 } });
    expect(await listDir(root)).toEqual([]);
  });

  it.each([
    ['a .. segment', '../escape.bin'],
    ['a .. segment in the middle', 'a/../../escape.bin'],
    ['an absolute path outside the root', '/tmp/courier-escape.bin'],
    ['the root itself', '.'],
    ['an empty path', ''],
  ])('dst with %s → BAD_PATH, and no request is sent', async (_what, dst) => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 1024 });
    const root = await tempDir();

    await expect(download(client(), file.url, dst, { root })).rejects.toMatchObject({ code: 'BAD_PATH' });
    expect(file.served).toEqual([]);
  });

  it('a symlinked directory leading out of the root → BAD_PATH; one that stays inside is fine', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 1024 });
    const root = await tempDir();
    const outside = await tempDir();
    await symlink(outside, path.join(root, 'out'));
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'in'));

    await expect(download(client(), file.url, 'out/fw.bin', { root })).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(download(client(), file.url, 'out/deeper/fw.bin', { root })).rejects.toMatchObject({ code: 'BAD_PATH' });
    expect(await listDir(outside)).toEqual([]);
    expect(file.served).toEqual([]);

    const inside = await download(client(), file.url, 'in/fw.bin', { root });
    expect(inside.dst).toBe(path.join(await realpath(root), 'real', 'fw.bin'));
  });

  it('a symlink planted at dst or at <dst>.part is refused, never followed', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 1024 });
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(path.join(outside, 'victim'), 'keep me');
    await symlink(path.join(outside, 'victim'), path.join(root, 'a.bin'));
    await symlink(path.join(outside, 'victim'), path.join(root, 'b.bin.part'));

    await expect(download(client(), file.url, 'a.bin', { root })).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(download(client(), file.url, 'b.bin', { root })).rejects.toMatchObject({ code: 'BAD_PATH' });
    expect(await listDir(outside)).toEqual(['victim']);
    expect(await readFile(path.join(outside, 'victim'), 'utf8')).toBe('keep me');
  });

  it('an unwritable directory → DISK_ERROR naming the errno, and no file', async () => {
    const origin = await fixture();
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 1024 });
    const root = await tempDir();
    await unwritableDir(root);

    const failure = download(client(), file.url, 'locked/fw.bin', { root });

    await expect(failure).rejects.toMatchObject({ code: 'DISK_ERROR', details: { errno: expect.stringMatching(/^(EACCES|EPERM)$/) } });
    expect(await listDir(path.join(root, 'locked'))).toEqual([]);
  });

  it('an abort → ABORTED; the part stays for a later resume, dst does not exist', async () => {
    const origin = await fixture();
    let release!: () => void;
    const file = serveGeneratedFile(origin, '/fw.bin', { size: 2 * MiB, holdAt: { offset: MiB, release: new Promise((r) => (release = r)) } });
    onTestFinished(() => release());
    const root = await tempDir();
    const controller = new AbortController();

    const failure = download(client(), file.url, 'fw.bin', {
      root,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => p.bytes >= MiB && controller.abort(),
    });

    await expect(failure).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await listDir(root)).toEqual(['fw.bin.part', 'fw.bin.part.json']);
  });

  it('a refused connection → CONNECT_REFUSED, and no empty part is left behind', async () => {
    const root = await tempDir();
    // A port that was just free: nothing listens on it.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(download(client(), `http://127.0.0.1:${port}/fw.bin`, 'fw.bin', { root })).rejects.toMatchObject({ code: 'CONNECT_REFUSED' });
    expect(await listDir(root)).toEqual([]);
  });

  it('bad options are BAD_OPTION, a bad URL is BAD_URL', async () => {
    const root = await tempDir();
    await expect(download(client(), 'http://127.0.0.1:1/x', 'x', { root, sha256: 'nothex' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(download(client(), 'http://127.0.0.1:1/x', 'x', { root, size: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(download(client(), 'not a url', 'x', { root })).rejects.toMatchObject({ code: 'BAD_URL' });
  });
});
