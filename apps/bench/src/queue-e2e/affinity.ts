import os from 'node:os';

/**
 * The command line that runs `command` on every core of the machine. A child inherits the CPU
 * affinity of the bench process, which `BENCH_PIN` confines to core 0; Redis and the workers
 * would then share that one core with the producer. With `spread` false (no pinning happened),
 * the command is run as it is.
 */
export function onAllCores(command: string, args: readonly string[], spread: boolean): [string, string[]] {
  if (!spread) return [command, [...args]];
  // os.cpus() lists every core; availableParallelism() would honour this process's own affinity.
  return ['taskset', ['-c', `0-${os.cpus().length - 1}`, command, ...args]];
}
