import diagnostics from 'node:diagnostics_channel';
import type { OriginStateValue } from './types.ts';

/**
 * Named channels, declared in one place (undici's habit): the server's metrics and the
 * dashboard subscribe; the library never logs. Publishing costs nothing without subscribers.
 */
export const channels = {
  /** `{ key, state }` whenever an origin actor changes state. */
  state: diagnostics.channel('courier:origin:state'),
  /** `{ origin, method, status, durationMs, error }` when a request (all its hops) ends. */
  requestEnd: diagnostics.channel('courier:request:end'),
} as const;

export interface OriginStateMessage {
  key: string;
  state: OriginStateValue;
}

export interface RequestEndMessage {
  origin: string;
  method: string;
  status: number | null;
  durationMs: number;
  error: string | null;
}

export function publishState(key: string, state: OriginStateValue): void {
  if (channels.state.hasSubscribers) channels.state.publish({ key, state } satisfies OriginStateMessage);
}
