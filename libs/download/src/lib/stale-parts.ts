/**
 * Parts nobody will resume: a download job that failed for good, or was cancelled while it waited
 * for its next attempt, keeps its `<dst>.part` (and sidecar) for a resume that never comes. A part
 * being written is touched at least every body timeout, and a job waiting for a retry comes back
 * within minutes, so one untouched for `maxAgeMs` (default a day) is abandoned: this deletes it.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sidecarPath } from './sidecar.ts';

/** Deletes `*.part` files under `root` untouched for longer than `maxAgeMs`, with their sidecars; returns how many. */
export async function sweepStaleParts(root: string, maxAgeMs: number, now: number = Date.now()): Promise<number> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return 0; // no download yet
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.part')) continue;
    const path = join(entry.parentPath, entry.name);
    try {
      if (now - (await stat(path)).mtimeMs <= maxAgeMs) continue;
      await rm(path, { force: true });
      await rm(sidecarPath(path), { force: true });
      removed += 1;
    } catch {
      // Gone meanwhile (resumed and renamed, or swept by another worker).
    }
  }
  return removed;
}

/** Sweeps every `intervalMs` until stopped; failures go to `onError`. */
export function startStalePartSweeper(root: string, maxAgeMs: number, intervalMs: number, onError: (error: unknown) => void = () => {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepStaleParts(root, maxAgeMs)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
