import type { Socket } from 'node:net';
import { CourierError } from './errors.ts';
import type { Connector } from './connector.ts';

/**
 * undici's connect timeout runs on its "fast timers", which tick every ~500 ms: a 100 ms
 * timeout fires after ~1 s and 3,000 ms after ~3.5 s. Courier keeps the deadline itself (one
 * native timer per connect) and leaves undici's, set later, as a backstop (see BACKSTOP_MS).
 */
export const BACKSTOP_MS = 1_000;

/** Node fires a longer timer after 1 ms: longer (or no) timeouts are left to undici's timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether Courier times a phase of `ms` itself: a positive value a node timer can hold. */
export function timedByCourier(ms: number): boolean {
  return ms > 0 && ms <= MAX_TIMER_MS;
}

/** undici's own timer for a phase Courier times itself: later than Courier's, never first. */
export function backstop(ms: number): number {
  return ms > 0 ? ms + BACKSTOP_MS : 0;
}

interface PendingConnect {
  startedAt: number;
  ms: number;
  done: boolean;
  socket: Socket | null;
  timer: NodeJS.Timeout | null;
  callback: Parameters<Connector>[1];
  authority: string;
}

function onConnectTimer(p: PendingConnect): void {
  if (p.done) return;
  const elapsed = performance.now() - p.startedAt;
  // Node stamps a timer with the loop's cached clock, which can run behind: never fire early.
  if (elapsed < p.ms) {
    p.timer = setTimeout(onConnectTimer, Math.ceil(p.ms - elapsed), p);
    return;
  }
  p.done = true;
  p.socket?.destroy();
  p.callback(
    new CourierError('CONNECT_TIMEOUT', `connect to ${p.authority} not established within ${p.ms} ms`, {
      timeoutMs: p.ms,
      elapsedMs: Math.round(elapsed * 10) / 10,
    }),
    null,
  );
}

/** `base`, failing with CONNECT_TIMEOUT once `ms` (> 0) have passed since the connect began. */
export function withConnectDeadline(base: Connector, ms: number): Connector {
  // 0 means no connect timeout, as for undici.
  if (!timedByCourier(ms)) return base;
  return (options, callback) => {
    const p: PendingConnect = {
      startedAt: performance.now(),
      ms,
      done: false,
      socket: null,
      timer: null,
      callback,
      authority: `${options.hostname}:${options.port}`,
    };
    p.timer = setTimeout(onConnectTimer, ms, p);
    // undici's connector returns the socket it is connecting, so the deadline can destroy it at
    // once; a wrapper that returns nothing leaves it to undici's backstop timer.
    const socket = (base as unknown as (o: typeof options, cb: typeof callback) => Socket | undefined)(options, (err, s) => {
      if (p.done) {
        // Connected (or failed) after the deadline already answered: let the socket go.
        s?.destroy();
        return;
      }
      p.done = true;
      if (p.timer) clearTimeout(p.timer);
      if (err) callback(err, null);
      else callback(null, s!);
    });
    if (socket && typeof socket.destroy === 'function') p.socket = socket;
  };
}
