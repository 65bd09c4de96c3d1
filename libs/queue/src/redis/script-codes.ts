/**
 * The negative returns of the Lua scripts in `commands/`, mapped in one place (BullMQ's
 * `ErrorCode` enum + `finishedErrors`): a script says what happened, this says what it means.
 */
import { CourierError } from '@courier/origin';

export enum ScriptCode {
  /** Concurrency limit reached (acquireSlot). */
  Saturated = -1,
  /** Rate limit reached; the second value is the wait in milliseconds (acquireSlot, takeToken). */
  RateLimited = -2,
  /** Lease missing: expired or already released (renewLease, releaseLease). */
  LeaseMissing = -3,
  /** Bad arguments: a bug in the caller. */
  BadArguments = -4,
}

export type ScriptOutcome =
  | { kind: 'ok'; value: number }
  | { kind: 'saturated'; held: number }
  | { kind: 'rate-limited'; retryInMs: number }
  | { kind: 'lease-missing' };

/** Turns a script's reply (`code` or `{ code, value }`) into an outcome; throws on a bug. */
export function scriptOutcome(script: string, reply: unknown): ScriptOutcome {
  const [code, value] = Array.isArray(reply) ? [Number(reply[0]), Number(reply[1] ?? 0)] : [Number(reply), 0];
  if (code >= 0) return { kind: 'ok', value: code };
  switch (code as ScriptCode) {
    case ScriptCode.Saturated:
      return { kind: 'saturated', held: value };
    case ScriptCode.RateLimited:
      return { kind: 'rate-limited', retryInMs: value };
    case ScriptCode.LeaseMissing:
      return { kind: 'lease-missing' };
    case ScriptCode.BadArguments:
      throw new CourierError('INTERNAL', `Lua script ${script} refused its arguments`);
    default:
      throw new CourierError('INTERNAL', `Lua script ${script} returned an unknown code ${String(code)}`);
  }
}
