import { integer } from '../settings.ts';

/** Settings of the downloads suite, from the environment (the runner's settings give the rounds). */
export interface DownloadSettings {
  /** Body size, in bytes (`BENCH_DOWNLOAD_BYTES`, default 1 GiB; the smoke test shrinks it). */
  bytes: number;
  /** No new round starts after this long, in milliseconds (`BENCH_DOWNLOAD_BUDGET_MS`, default 5 min); one round always runs. */
  budgetMs: number;
}

const GiB = 1024 ** 3;

export function readDownloadSettings(env: Record<string, string | undefined> = process.env): DownloadSettings {
  return {
    bytes: integer(env, 'BENCH_DOWNLOAD_BYTES', GiB, 1, 64 * GiB),
    budgetMs: integer(env, 'BENCH_DOWNLOAD_BUDGET_MS', 5 * 60_000, 1_000, 3_600_000),
  };
}

/** `1 GiB`, `64 MiB`, `12 KiB`, `100 B`: the largest binary unit that divides evenly, else bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', GiB], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

/**
 * Longest a single download may take before it is killed, in milliseconds: 30 s plus the body at
 * 4 MiB/s (far below either client on loopback, so only a hang trips it).
 */
export function downloadTimeoutMs(bytes: number): number {
  return 30_000 + Math.ceil(bytes / (4 * 1024 * 1024)) * 1000;
}
