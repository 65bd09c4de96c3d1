/**
 * Result files live as long as their job's record: a sweep deletes body files older than the
 * completed-job retention, so the results directory does not grow without bound either.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueueLogger } from './driver.ts';

/** Deletes `*.body` and stale `*.part` files older than `maxAgeMs`; returns how many. */
export async function sweepResults(resultsDir: string, maxAgeMs: number, now: number = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(resultsDir);
  } catch {
    return 0; // not created yet
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.body') && !name.endsWith('.part')) continue;
    const path = join(resultsDir, name);
    try {
      const info = await stat(path);
      if (now - info.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed += 1;
      }
    } catch {
      // Another worker swept it first.
    }
  }
  return removed;
}

/** Sweeps every `intervalMs` until stopped. */
export function startResultsSweeper(resultsDir: string, maxAgeMs: number, intervalMs: number, logger?: QueueLogger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepResults(resultsDir, maxAgeMs)
      .then((n) => n > 0 && logger?.debug({ removed: n, resultsDir }, 'swept expired result files'))
      .catch((error: unknown) => logger?.warn({ err: error }, 'result sweep failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
