import { readFile } from 'node:fs/promises';

/** Linux reports per-process CPU time in clock ticks of 1/100 s (USER_HZ, fixed at 100 for /proc). */
const MICROS_PER_TICK = 10_000;

/**
 * CPU time (user + system) of another process so far, in microseconds, from /proc/<pid>/stat;
 * null where /proc is not there. Resolution: 10 ms, enough over rounds of seconds.
 */
export async function processCpuMicros(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
  } catch {
    return null;
  }
}
