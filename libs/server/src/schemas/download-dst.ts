import { isAbsolute, relative, resolve } from 'node:path';

/**
 * The enqueue-time check of a download's `dst`: refuses what obviously escapes the download
 * root, so the caller gets a 400 `BAD_PATH` now instead of a failed job later. The worker's
 * handler (libs/download `resolveDestination`) still confines every path for real, symlinks
 * included: this is only the part that needs no disk.
 *
 * @param root the server's `COURIER_DOWNLOAD_ROOT`; unset → only relative paths are accepted
 *   (the server can't tell whether an absolute one lies inside the workers' root).
 * @returns a message (without the field name) when `dst` is refused, else null
 */
export function dstProblem(dst: string, root: string | undefined): string | null {
  const segments = dst.split(/[\\/]/);
  if (segments.includes('..')) return "must not contain '..' segments (it would leave the download root)";
  const windowsAbsolute = /^[A-Za-z]:/.test(dst) || dst.startsWith('\\');
  if (isAbsolute(dst) || windowsAbsolute) {
    if (root === undefined || windowsAbsolute) {
      return 'must be relative to the download root (set COURIER_DOWNLOAD_ROOT on the server to accept absolute paths inside it)';
    }
    const rel = relative(resolve(root), resolve(dst));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return `must lie inside the download root ${root}`;
  }
  const last = segments.at(-1);
  if (last === '' || last === '.' || segments.every((s) => s === '' || s === '.')) return 'must name a file, not a directory';
  return null;
}
