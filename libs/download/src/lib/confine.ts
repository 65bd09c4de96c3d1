import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CourierError } from '@courier/origin';
import { errnoOf, makeDirectory, onDisk, toDiskError } from './disk-error.ts';

function badPath(message: string, dst: string): CourierError {
  return new CourierError('BAD_PATH', message, { dst });
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** realpath of `dir` or of its deepest existing ancestor, plus the components that do not exist yet. */
async function deepestExisting(dir: string): Promise<{ real: string; missing: string[] }> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      return { real: await realpath(current), missing };
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw toDiskError(error, 'resolve', current);
      const parent = path.dirname(current);
      if (parent === current) throw toDiskError(error, 'resolve', current);
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** The final component must be a new name or a regular file: never a directory, never a symlink. */
async function checkFinalComponent(target: string, dst: string): Promise<void> {
  try {
    const stats = await lstat(target);
    if (stats.isSymbolicLink()) throw badPath(`dst ${dst} is a symbolic link`, dst);
    if (stats.isDirectory()) throw badPath(`dst ${dst} is a directory`, dst);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw toDiskError(error, 'inspect', target);
  }
}

/**
 * Resolves `dst` to an absolute path and creates its parent directories.
 *
 * With a `root`, `dst` is confined to it: a `..` segment, an absolute path outside the root, or
 * a symlink anywhere on the way that leads out of it gives `BAD_PATH`. The check resolves the
 * deepest existing ancestor with realpath (a symlinked directory is judged by where it leads),
 * creates the missing directories, and checks the parent again after creating them, so a
 * symlink swapped in meanwhile is caught. The part files are later opened with O_NOFOLLOW.
 */
export async function resolveDestination(dst: unknown, root?: string): Promise<string> {
  if (typeof dst !== 'string' || dst.length === 0) throw new CourierError('BAD_PATH', 'dst must be a non-empty string', { dst: String(dst) });
  if (dst.includes('\0')) throw badPath('dst contains a NUL byte', dst);
  if (dst.endsWith('/') || dst.endsWith(path.sep)) throw badPath(`dst ${dst} names a directory`, dst);

  if (root === undefined) {
    const target = path.resolve(dst);
    await makeDirectory('create directory', path.dirname(target));
    await checkFinalComponent(target, dst);
    return target;
  }

  // Both separators count: a dst built on Windows must not slip `..\` past the check.
  if (dst.split(/[\\/]/).includes('..')) throw badPath(`dst ${dst} contains a '..' segment`, dst);
  const rootAbs = path.resolve(root);
  await makeDirectory('create download root', rootAbs);
  const rootReal = await onDisk('resolve download root', rootAbs, () => realpath(rootAbs));

  let relative = dst;
  if (path.isAbsolute(dst)) {
    const base = [rootReal, rootAbs].find((r) => isInside(r, path.normalize(dst)));
    if (!base) throw badPath(`absolute dst ${dst} is outside the download root`, dst);
    relative = path.relative(base, path.normalize(dst));
  }
  const target = path.join(rootReal, relative);
  if (target === rootReal || !isInside(rootReal, target)) throw badPath(`dst ${dst} does not name a file inside the download root`, dst);

  const parent = path.dirname(target);
  const { real, missing } = await deepestExisting(parent);
  if (!isInside(rootReal, real)) throw badPath(`dst ${dst} leads out of the download root through a symbolic link`, dst);
  if (missing.length > 0) {
    const toCreate = path.join(real, ...missing);
    await makeDirectory('create directory', toCreate);
  }
  const parentReal = await onDisk('resolve', parent, () => realpath(path.join(real, ...missing)));
  if (!isInside(rootReal, parentReal)) throw badPath(`dst ${dst} leads out of the download root through a symbolic link`, dst);
  const final = path.join(parentReal, path.basename(target));
  await checkFinalComponent(final, dst);
  return final;
}

/** `absolute` relative to the download root, with `/` separators (for job results and logs). */
export async function relativeToRoot(absolute: string, root: string): Promise<string> {
  const rootReal = await realpath(path.resolve(root)).catch(() => path.resolve(root));
  return path.relative(rootReal, absolute).split(path.sep).join('/');
}
