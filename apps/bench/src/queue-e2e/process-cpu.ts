import { readFile } from 'node:fs/promises';

/** Linux reports per-process CPU time in clock ticks of 1/100 s (USER_HZ, fixed at 100 for /proc). */
const MICROS_PER_TICK = 10_000;

/**
 * CPU time (user + system) of another process so far, in microseconds, from /proc/<pid>/stat;
 * null where /proc is not there. Resolution: 10 ms, enough over rounds of seconds.
 */
export async function processCpuMicros(pid: number): Promise<number | null> {
  const split = await processCpuSplit(pid);
  return split === null ? null : split.user + split.system;
}

/** User and system (kernel) CPU time of another process so far, in microseconds; null where /proc is not there. */
export async function processCpuSplit(pid: number): Promise<{ user: number; system: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * MICROS_PER_TICK, system: Number(fields[12]) * MICROS_PER_TICK };
  } catch {
    return null;
  }
}

/** Read and write system calls of another process so far (/proc/<pid>/io), or null where it can't be read. */
export async function processSyscalls(pid: number): Promise<{ reads: number; writes: number } | null> {
  try {
    const io = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return null;
  }
}
