import type { PlutoRequestSpec } from '../http/build-request.ts';
import type { PlutoClientOptions } from '../http/pluto-client.ts';
import type { PlutoResult } from '../http/types.ts';

/** What the worker thread gets at start. */
export interface SyncWorkerData {
  /** The worker's end of the channel. */
  port: import('node:worker_threads').MessagePort;
  /** Int32 cell the caller sleeps on with `Atomics.wait`: 0 = waiting, 1 = answered, 2 = the worker failed to start. */
  signal: Int32Array;
  /** Client options that survive structured cloning (no `lookup` function). */
  clientOptions: Omit<PlutoClientOptions, 'lookup' | 'allowAddress'>;
}

export type SyncCallBody = { kind: 'request'; spec: PlutoRequestSpec } | { kind: 'hasconnection'; remote: string };

export type SyncCall = SyncCallBody & { id: number };

export type SyncReply =
  | { id: number; ok: true; value: PlutoResult | boolean | null }
  | { id: number; ok: false; error: { code: string; message: string } }
  | { id: 0; fatal: string };

export const SIGNAL_WAITING = 0;
export const SIGNAL_ANSWERED = 1;
export const SIGNAL_FATAL = 2;
