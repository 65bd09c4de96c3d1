import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { makeDirectory, onDisk, toDiskError } from './disk-error.ts';

it('a file standing where a parent directory should be is BAD_PATH, not DISK_ERROR', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'courier-disk-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'file'), 'x');
  const target = path.join(dir, 'file', 'sub');
  await expect(makeDirectory('create directory', target)).rejects.toMatchObject({ code: 'BAD_PATH', details: { errno: 'ENOTDIR' } });
  // The file where the directory itself should be: mkdir -p answers EEXIST.
  await expect(makeDirectory('create directory', path.join(dir, 'file'))).rejects.toMatchObject({ code: 'BAD_PATH', details: { errno: 'EEXIST' } });
  // An existing directory is no error.
  await makeDirectory('create directory', dir);
});

it('EEXIST from any other step stays DISK_ERROR: only mkdir -p reads it as a path problem', async () => {
  await expect(onDisk('link', '/x', () => Promise.reject(Object.assign(new Error('exists'), { code: 'EEXIST' })))).rejects.toMatchObject({ code: 'DISK_ERROR', details: { errno: 'EEXIST' } });
});

it('keeps DISK_ERROR for the disk refusing, with the errno', () => {
  const err = toDiskError(Object.assign(new Error('no space'), { code: 'ENOSPC' }), 'write', '/x');
  expect(err).toMatchObject({ code: 'DISK_ERROR', details: { errno: 'ENOSPC' } });
});
