/**
 * Result files live as long as their job's record: a sweep deletes body files older than the
 * completed-job retention, and — so a burst of large results cannot fill the disk before they
 * age out — the oldest bodies past a total size, so the results directory stays bounded both ways.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueueLogger } from './driver.ts';

/** Deletes `*.body` and stale `*.part` files older than `maxAgeMs`; returns how many. */
export async function sweepResults(resultsDir: string, maxAgeMs: number, now: number = Date.now()): Promise<number> {
  let removed = 0;
  for (const file of await listResultFiles(resultsDir)) {
    if (now - file.mtimeMs > maxAgeMs && (await remove(file.path))) removed += 1;
  }
  return removed;
}

/**
 * Deletes the oldest `*.body` files until the bodies take at most `maxBytes`; returns how many.
 * `.part` files are bodies being written (bounded by the response size cap each) and are left to
 * the age sweep.
 */
export async function sweepResultsBySize(resultsDir: string, maxBytes: number): Promise<number> {
  const bodies = (await listResultFiles(resultsDir)).filter((file) => file.path.endsWith('.body'));
  let total = bodies.reduce((sum, file) => sum + file.size, 0);
  if (total <= maxBytes) return 0;
  bodies.sort((a, b) => a.mtimeMs - b.mtimeMs);
  let removed = 0;
  for (const file of bodies) {
    if (total <= maxBytes) break;
    if (await remove(file.path)) removed += 1;
    total -= file.size;
  }
  return removed;
}

interface ResultFile {
  path: string;
  size: number;
  mtimeMs: number;
}

async function listResultFiles(resultsDir: string): Promise<ResultFile[]> {
  let names: string[];
  try {
    names = await readdir(resultsDir);
  } catch {
    return []; // not created yet
  }
  const files: ResultFile[] = [];
  for (const name of names) {
    if (!name.endsWith('.body') && !name.endsWith('.part')) continue;
    const path = join(resultsDir, name);
    try {
      const info = await stat(path);
      if (info.isFile()) files.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      // Another worker swept it first.
    }
  }
  return files;
}

async function remove(path: string): Promise<boolean> {
  try {
    await rm(path, { force: true });
    return true;
  } catch {
    return false;
  }
}

export interface SweepLimits {
  /** Files older than this go, in milliseconds (0 = no age limit). */
  maxAgeMs: number;
  /** Bodies past this total go, oldest first, in bytes (0 = no size limit). */
  maxBytes: number;
}

/** One sweep by age, then by size; returns how many files went. */
export async function sweepResultsOnce(resultsDir: string, limits: SweepLimits): Promise<number> {
  const byAge = limits.maxAgeMs > 0 ? await sweepResults(resultsDir, limits.maxAgeMs) : 0;
  const bySize = limits.maxBytes > 0 ? await sweepResultsBySize(resultsDir, limits.maxBytes) : 0;
  return byAge + bySize;
}

/** Sweeps every `intervalMs` until stopped. */
export function startResultsSweeper(resultsDir: string, limits: SweepLimits, intervalMs: number, logger?: QueueLogger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepResultsOnce(resultsDir, limits)
      .then((n) => n > 0 && logger?.debug({ removed: n, resultsDir }, 'swept expired or excess result files'))
      .catch((error: unknown) => logger?.warn({ err: error }, 'result sweep failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
