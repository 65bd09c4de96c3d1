import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf, toDiskError } from './disk-error.ts';
import { syncDirectory } from './part-file.ts';

/** errnos of `link` that mean "hard links cannot work here": fall back to a copy. */
const noLinkErrnos = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

export type Placement = 'link' | 'copy';

/**
 * Puts a finished file at `dst` without ever showing a partial one there: a hard link (same
 * filesystem) or a copy (made with copy-on-write where the filesystem offers it, fsynced) under
 * a temporary name beside `dst`, then an atomic rename over it. `SourceGoneError` when `src`
 * vanished meanwhile (evicted from the cache), so the caller can fetch again.
 *
 * A hard link shares the inode with `src`: writing into one in place changes both (replacing
 * with a rename, as every Courier download does, does not).
 */
export async function placeFile(src: string, dst: string): Promise<Placement> {
  if (path.resolve(src) === path.resolve(dst)) return 'link';
  const tmp = path.join(path.dirname(dst), `.${path.basename(dst)}.${randomBytes(6).toString('hex')}.tmp`);
  let placement: Placement = 'link';
  try {
    try {
      await link(src, tmp);
    } catch (error) {
      if (!noLinkErrnos.has(errnoOf(error) ?? '')) throw error;
      placement = 'copy';
      await copyFile(src, tmp, constants.COPYFILE_FICLONE);
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(tmp, dst);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    if (errnoOf(error) === 'ENOENT' && !(await exists(src))) throw new SourceGoneError(src);
    throw toDiskError(error, 'place', dst);
  }
  await syncDirectory(path.dirname(dst));
  return placement;
}

/** The source vanished before it could be linked (evicted from the cache, or moved by its owner). */
export class SourceGoneError extends Error {
  constructor(readonly src: string) {
    super(`${src} is gone`);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
