import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { onDisk, toDiskError } from './disk-error.ts';

it('a file standing where a parent directory should be is BAD_PATH, not DISK_ERROR', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'courier-disk-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'file'), 'x');
  const target = path.join(dir, 'file', 'sub');
  await expect(onDisk('create directory', target, () => mkdir(target, { recursive: true }))).rejects.toMatchObject({ code: 'BAD_PATH' });
});

it('keeps DISK_ERROR for the disk refusing, with the errno', () => {
  const err = toDiskError(Object.assign(new Error('no space'), { code: 'ENOSPC' }), 'write', '/x');
  expect(err).toMatchObject({ code: 'DISK_ERROR', details: { errno: 'ENOSPC' } });
});
