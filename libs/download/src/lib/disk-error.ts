import { mkdir } from 'node:fs/promises';
import { CourierError, isCourierError } from '@courier/origin';

/**
 * errno codes that say "the path is wrong" rather than "the disk refused": a parent that is a
 * file, a destination that is a directory, a symlink where O_NOFOLLOW forbids one.
 */
const pathErrnos = new Set(['ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * Turns a node:fs failure into a CourierError: `BAD_PATH` for path-shape problems, else
 * `DISK_ERROR` (ENOSPC, EACCES, EPERM, EROFS, EDQUOT, EIO, EFBIG …). The errno travels in
 * `details.errno` so callers can tell a full disk from a read-only one.
 */
export function toDiskError(error: unknown, operation: string, path: string): CourierError {
  if (isCourierError(error)) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code ?? 'UNKNOWN';
  const code = pathErrnos.has(errno) ? 'BAD_PATH' : 'DISK_ERROR';
  return new CourierError(code, `${operation} ${path} failed: ${errno}`, { cause: error, errno, path });
}

/**
 * `mkdir -p dir`, failing like `onDisk`. Here EEXIST can only mean that a file stands where a
 * directory of the path should be (an existing directory is no error): `BAD_PATH`.
 */
export async function makeDirectory(operation: string, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') {
      throw new CourierError('BAD_PATH', `${operation} ${dir} failed: a file stands where a directory should be (EEXIST)`, { cause: error, errno: 'EEXIST', path: dir });
    }
    throw toDiskError(error, operation, dir);
  }
}

/** Runs a filesystem step and maps its failure with `toDiskError`. */
export async function onDisk<T>(operation: string, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw toDiskError(error, operation, path);
  }
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
