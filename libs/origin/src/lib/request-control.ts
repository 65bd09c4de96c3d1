import { getEventListeners } from 'node:events';
import { channels, type RequestEndMessage } from './diagnostics.ts';
import { CourierError, isCourierError } from './errors.ts';
import type { Exchange } from './exchange.ts';

/**
 * The requests in flight under each AbortSignal. A signal gets one `abort` listener for all of
 * them, added by its first request: callers that reuse a signal (a worker's per-slot controller)
 * pay an array push and a swap-remove per request instead of an EventTarget add and remove.
 * The list hangs off the signal under a private symbol and lives as long as the signal; it is
 * an array with each control's index, not a Set: hashing every control for a Set measured
 * slower than the EventTarget calls it replaces.
 */
const kControls = Symbol('courier.requestControls');

/** The `abort` listeners origin added (one per signal), told apart from anyone else's. */
const ownListeners = new WeakSet<object>();

type WatchedSignal = AbortSignal & { [kControls]?: RequestControl[] };

function controlsOf(signal: AbortSignal): RequestControl[] {
  const watched = signal as WatchedSignal;
  let controls = watched[kControls];
  if (controls === undefined) {
    const list: RequestControl[] = [];
    controls = list;
    watched[kControls] = list;
    const listener = (): void => {
      const reason = abortError(signal);
      for (const c of list.slice()) c.abort(reason);
    };
    ownListeners.add(listener);
    signal.addEventListener('abort', listener, { once: true });
  }
  return controls;
}

/**
 * How many `abort` listeners on `signal` are not origin's own, and whether any request of origin
 * still runs under it. For a pool of reusable AbortControllers: origin's listener stays on a
 * signal it has seen (it serves the signal's next request too) and is harmless once no request
 * of origin runs under the signal.
 */
export function signalInUse(signal: AbortSignal): { requests: number; otherListeners: number } {
  const requests = (signal as WatchedSignal)[kControls]?.length ?? 0;
  const otherListeners = getEventListeners(signal, 'abort').filter((l) => !ownListeners.has(l)).length;
  return { requests, otherListeners };
}

/**
 * What spans all the hops of one request: the caller's AbortSignal and the total timeout.
 * Created only when one of them is in use, so a plain request pays for neither.
 */
export class RequestControl {
  current: Exchange | null = null;
  #final: Exchange | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** The signal's list of controls (kept, so finishing needs no second lookup on the signal). */
  #list: RequestControl[] | null = null;
  #reason: CourierError | null = null;
  #done = false;
  /** Position in the signal's list of controls. */
  #index = -1;

  constructor(signal: AbortSignal | undefined, totalTimeoutMs: number) {
    if (signal) {
      if (signal.aborted) throw abortError(signal);
      const list = controlsOf(signal);
      this.#list = list;
      this.#index = list.length;
      list.push(this);
    }
    if (totalTimeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.abort(new CourierError('TOTAL_TIMEOUT', `request took longer than the total timeout of ${totalTimeoutMs} ms`));
      }, totalTimeoutMs);
      this.#timer.unref?.();
    }
  }

  get reason(): CourierError | null {
    return this.#reason;
  }

  abort(reason: CourierError): void {
    if (this.#done) return;
    this.#reason = reason;
    this.current?.abort(reason);
    this.finish();
  }

  /** An exchange settled (body ended or failed); the request ends with its final hop. */
  settled(ex: Exchange, error: CourierError | null): void {
    if (error || ex === this.#final) this.finish();
  }

  /** The caller got the final response: end once its body has settled (or now, if it has). */
  markFinal(ex: Exchange, alreadySettled: boolean): void {
    this.#final = ex;
    if (alreadySettled) this.finish();
  }

  #unlist(list: RequestControl[]): void {
    const last = list.pop()!;
    if (last !== this) {
      list[this.#index] = last;
      last.#index = this.#index;
    }
    this.#index = -1;
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#list) this.#unlist(this.#list);
  }
}

function abortError(signal: AbortSignal): CourierError {
  const reason: unknown = signal.reason;
  if (isCourierError(reason)) return reason;
  return new CourierError('ABORTED', reason instanceof Error ? `request aborted: ${reason.message}` : 'request aborted', { cause: reason });
}

export function publishRequestEnd(message: RequestEndMessage): void {
  channels.requestEnd.publish(message);
}
