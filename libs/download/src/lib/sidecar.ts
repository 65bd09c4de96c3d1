import { constants } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { errnoOf, onDisk } from './disk-error.ts';
import type { Validator } from './http-range.ts';

/**
 * What `<dst>.part.json` remembers about `<dst>.part`: which resource and version its bytes
 * belong to, so a later call (or process) can ask for the rest with `Range` + `If-Range`.
 */
export interface PartSidecar {
  v: 1;
  url: string;
  validator: Validator;
  /** Size of the whole resource as the origin declared it; null when unknown. */
  total: number | null;
  /** Expected SHA-256 the part was started for, if one was given. */
  sha256: string | null;
  /**
   * Bytes known to be on disk without a gap at the last checkpoint. Writes run in parallel, so
   * after a crash the tail beyond this may hold a gap: see `trustedLength`.
   */
  durable: number;
}

/**
 * How much of a part left by an earlier process can be trusted. A clean stop records the whole
 * length as durable. After a crash, only the last `window` bytes (the writes that may have been
 * in flight) can hold a gap, and never below the last checkpoint.
 */
export function trustedLength(durable: number, size: number, window: number): number {
  if (durable >= size) return size;
  return Math.max(durable, size - window, 0);
}

export function sidecarPath(partPath: string): string {
  return `${partPath}.json`;
}

function isSidecar(value: unknown): value is PartSidecar {
  const s = value as Partial<PartSidecar> | null;
  return (
    typeof s === 'object' && s !== null && s.v === 1 && typeof s.url === 'string' &&
    typeof s.validator === 'object' && s.validator !== null &&
    (s.total === null || typeof s.total === 'number') && (s.sha256 === null || typeof s.sha256 === 'string') &&
    typeof s.durable === 'number' && s.durable >= 0
  );
}

/** The sidecar, or null when missing or unreadable (then the part cannot be trusted and restarts). */
export async function readSidecar(partPath: string): Promise<PartSidecar | null> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted at the sidecar's name is not followed.
    handle = await open(sidecarPath(partPath), constants.O_RDONLY | constants.O_NOFOLLOW);
    const text = await handle.readFile('utf8');
    const parsed: unknown = JSON.parse(text);
    return isSidecar(parsed) ? parsed : null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

/** Written beside the part, then renamed over the old one, so a crash leaves the old or the new. */
export async function writeSidecar(partPath: string, sidecar: PartSidecar): Promise<void> {
  const path = sidecarPath(partPath);
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await onDisk('write', path, async () => {
    try {
      await writeFile(tmp, JSON.stringify(sidecar), { flag: 'wx' });
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  });
}

export async function removeSidecar(partPath: string): Promise<void> {
  await rm(sidecarPath(partPath), { force: true }).catch((error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') throw error;
  });
}
