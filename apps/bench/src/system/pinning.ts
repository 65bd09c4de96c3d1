import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Pinning {
  /** Core the bench (client) process runs on, or null when unpinned. */
  clientCore: number | null;
  /** Core for the target server process, or null when unpinned. */
  serverCore: number | null;
  /** One line for the report: what was done and why. */
  note: string;
}

const CLIENT_CORE = 0;
const SERVER_CORE = 1;

/**
 * Client on core 0, target server on core 1 (DESIGN.md: pin with `taskset` where that helps),
 * so the two never take turns on one core. Needs taskset and at least two cores; otherwise
 * both float and the note says so. `-a` moves every thread of this process (libuv pool, V8
 * helpers), not only the main one.
 */
export function pinCores(enabled: boolean): Pinning {
  const unpinned = (why: string): Pinning => ({ clientCore: null, serverCore: null, note: `not pinned (${why})` });
  if (!enabled) return unpinned('BENCH_PIN=0');
  if (os.availableParallelism() < 2) return unpinned('fewer than 2 cores');
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(CLIENT_CORE), String(process.pid)], { stdio: 'ignore' });
  } catch {
    return unpinned('taskset unavailable or refused');
  }
  return { clientCore: CLIENT_CORE, serverCore: SERVER_CORE, note: `client on core ${CLIENT_CORE}, target server on core ${SERVER_CORE} (taskset)` };
}
