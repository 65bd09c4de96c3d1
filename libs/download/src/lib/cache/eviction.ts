import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface EvictionReport {
  /** Blobs removed to get under the cap. */
  removedFiles: number;
  removedBytes: number;
  /** Bytes of blobs left. */
  keptBytes: number;
  /** Abandoned partial transfers removed. */
  removedPartials: number;
}

interface Entry {
  file: string;
  size: number;
  lastUsed: number;
}

async function entries(dir: string): Promise<Entry[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: Entry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const s = await stat(file);
      // atime is set explicitly on every use (utimes), so it is the LRU clock even on noatime mounts.
      if (s.isFile()) found.push({ file, size: s.size, lastUsed: Math.max(s.atimeMs, s.mtimeMs) });
    } catch {
      // Removed meanwhile by another process: nothing to count.
    }
  }
  return found;
}

/**
 * Least-recently-used eviction: removes the blobs used longest ago until the cache holds at most
 * `maxBytes` (0 = no cap), never one in `protect`, and removes partial transfers untouched for
 * `partialMaxAgeMs`. A blob hard-linked into a `dst` keeps its disk space until that file goes
 * too: the cap counts the cache's own names.
 */
export async function evictLeastRecentlyUsed(
  blobDir: string,
  partialDir: string,
  maxBytes: number,
  partialMaxAgeMs: number,
  protect: ReadonlySet<string>,
): Promise<EvictionReport> {
  const report: EvictionReport = { removedFiles: 0, removedBytes: 0, keptBytes: 0, removedPartials: 0 };
  const blobs = await entries(blobDir);
  let total = blobs.reduce((sum, e) => sum + e.size, 0);
  if (maxBytes > 0 && total > maxBytes) {
    blobs.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const blob of blobs) {
      if (total <= maxBytes) break;
      if (protect.has(blob.file)) continue;
      await rm(blob.file, { force: true });
      total -= blob.size;
      report.removedFiles += 1;
      report.removedBytes += blob.size;
    }
  }
  report.keptBytes = total;
  const now = Date.now();
  for (const partial of await entries(partialDir)) {
    if (now - partial.lastUsed < partialMaxAgeMs) continue;
    await rm(partial.file, { force: true });
    report.removedPartials += 1;
  }
  return report;
}
