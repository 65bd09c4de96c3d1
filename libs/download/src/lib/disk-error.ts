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
  // mkdir -p answers EEXIST when a file stands where a directory of the path should be.
  const inTheWay = errno === 'EEXIST' && operation.startsWith('create');
  const code = pathErrnos.has(errno) || inTheWay ? 'BAD_PATH' : 'DISK_ERROR';
  return new CourierError(code, `${operation} ${path} failed: ${errno}`, { cause: error, errno, path });
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
