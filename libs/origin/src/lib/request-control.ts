import { channels, type RequestEndMessage } from './diagnostics.ts';
import { CourierError, isCourierError } from './errors.ts';
import type { Exchange } from './exchange.ts';

/**
 * What spans all the hops of one request: the caller's AbortSignal and the total timeout.
 * Created only when one of them is in use, so a plain request pays for neither.
 */
export class RequestControl {
  current: Exchange | null = null;
  #final: Exchange | null = null;
  #timer: NodeJS.Timeout | null = null;
  #signal: AbortSignal | null = null;
  #reason: CourierError | null = null;
  #done = false;

  constructor(signal: AbortSignal | undefined, totalTimeoutMs: number) {
    if (signal) {
      if (signal.aborted) throw abortError(signal);
      this.#signal = signal;
      signal.addEventListener('abort', this.#onAbort, { once: true });
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

  readonly #onAbort = (): void => {
    this.abort(abortError(this.#signal!));
  };

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

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
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
