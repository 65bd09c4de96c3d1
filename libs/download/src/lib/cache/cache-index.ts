import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Validator } from '../http-range.ts';

/**
 * What the cache knows about a URL fetched without a given SHA-256: the version it saw and the
 * blob that holds it. No URL is stored (it may carry a token); the file name is a hash of it.
 */
export interface UrlIndexEntry {
  v: 1;
  validator: Validator;
  sha256: string;
  size: number;
  /** When the origin last confirmed this version, epoch milliseconds. */
  checkedAt: number;
}

function isEntry(value: unknown): value is UrlIndexEntry {
  const e = value as Partial<UrlIndexEntry> | null;
  return (
    typeof e === 'object' && e !== null && e.v === 1 && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) &&
    typeof e.size === 'number' && typeof e.checkedAt === 'number' && typeof e.validator === 'object' && e.validator !== null
  );
}

export async function readIndex(path: string): Promise<UrlIndexEntry | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    return isEntry(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Atomic (write beside, rename over): readers see the old entry or the new one. */
export async function writeIndex(path: string, entry: UrlIndexEntry): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(entry), { flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
