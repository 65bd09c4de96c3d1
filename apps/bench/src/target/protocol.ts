import type { CannedServerStats } from './canned-server.ts';

/** Messages between the bench (parent) and the target server process, over the IPC channel. */
export type ToTarget = { type: 'stats'; id: number } | { type: 'stop' };

export type FromTarget =
  | { type: 'ready'; ports: number[] }
  | { type: 'stats'; id: number; stats: CannedServerStats; cpuMicros: number }
  | { type: 'failed'; message: string };
