import { Redis } from 'ioredis';

/** Calls and server time per Redis command, from `INFO commandstats`. */
export type CommandStats = Map<string, { calls: number; usec: number }>;

/** Reads `INFO commandstats` (BullMQ's scripts all count as `evalsha`; Courier's fleet-limit scripts too). */
export async function commandStats(redis: Redis): Promise<CommandStats> {
  const info = await redis.info('commandstats');
  const stats: CommandStats = new Map();
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

/** What happened between two readings, per command. */
export function commandDelta(before: CommandStats, after: CommandStats): CommandStats {
  const delta: CommandStats = new Map();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) delta.set(name, { calls: a.calls - b.calls, usec: a.usec - b.usec });
  }
  return delta;
}

/** Redis's own I/O counters (`INFO stats`): socket reads and writes it served, bytes in and out. */
export interface RedisIo {
  reads: number;
  writes: number;
  bytesIn: number;
  bytesOut: number;
}

export async function redisIo(redis: Redis): Promise<RedisIo> {
  const info = await redis.info('stats');
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return { reads: field('total_reads_processed'), writes: field('total_writes_processed'), bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes') };
}
