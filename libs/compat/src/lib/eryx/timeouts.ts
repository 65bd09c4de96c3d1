import { CourierError } from '@courier/origin';

/** Per-phase timeouts in **seconds** (fractions allowed); absent or 0 means wait indefinitely. */
export interface TimeoutOptions {
  /** TCP connect and TLS handshake. */
  connect?: number;
  /** Each wait for response bytes (the head, every body read). */
  read?: number;
  /** Each write of the request (head, body pieces). */
  write?: number;
}

export type TimeoutInit = number | TimeoutOptions | null | undefined;

function seconds(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CourierError('BAD_OPTION', `timeout ${name} must be a number of seconds ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** `new` / `setTimeouts`: one number for every phase, a table (copied), or nil for none. */
export function normaliseTimeouts(timeout: TimeoutInit): TimeoutOptions {
  if (typeof timeout === 'number') {
    const t = seconds(timeout, 'value');
    return { connect: t, read: t, write: t };
  }
  if (timeout === undefined || timeout === null) return {};
  if (typeof timeout !== 'object') throw new CourierError('BAD_OPTION', `timeout must be a number, a table or nil, got ${typeof timeout}`);
  return { connect: seconds(timeout.connect, 'connect'), read: seconds(timeout.read, 'read'), write: seconds(timeout.write, 'write') };
}

/** Seconds → milliseconds for timers; 0 = no timer. */
export function toMs(secondsValue: number | undefined): number {
  return secondsValue === undefined ? 0 : Math.round(secondsValue * 1000);
}
