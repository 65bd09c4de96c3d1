import os from 'node:os';

/** Where and when a suite was measured (a line in its docs section). */
export interface MachineInfo {
  /** ISO date and time, UTC, to the minute. */
  date: string;
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  /** 1-minute load average when the suite started (the machine is shared). */
  loadAverage: number;
}

export function machineInfo(now = new Date()): MachineInfo {
  return {
    date: `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    // Logical CPUs of the machine: availableParallelism() would report 1 once taskset pins the bench.
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg()[0] ?? 0,
  };
}
