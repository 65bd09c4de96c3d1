import type { Dispatcher } from 'undici';
import { backstop, timedByCourier } from './connect-deadline.ts';
import { CourierError } from './errors.ts';
import { toCourierError } from './map-error.ts';
import { CourierResponse, parseRawHeaders } from './response.ts';
import { ResponseBody, type BodySource } from './response-body.ts';
import type { SocketSlot } from './socket-slot.ts';
import type { BodyInit, RedirectHop, Timings } from './types.ts';

/** The actor's side of an exchange: it gets the socket back (and may retry) when one ends. */
export interface ExchangeOwner {
  /** Called once per attempt when the socket is done with it. Returns true if it re-dispatched. */
  release(exchange: Exchange, slot: SocketSlot, error: CourierError | null): boolean;
  /** Take an exchange aborted while it waited out of the queue. */
  dequeueAborted(exchange: Exchange): void;
}

export interface ExchangeInit {
  method: string;
  path: string;
  headers: string[];
  body: BodyInit;
  url: string;
  replayable: boolean;
  dontReuse: boolean;
  dontMakeReusable: boolean;
  preferIpv6: boolean;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  retryStaleSocket: boolean;
  redirects: RedirectHop[];
  timings: Timings;
  startedAtMs: number;
  /** Called when the last body byte has arrived or the exchange failed (clears total timers). */
  onSettled: (error: CourierError | null) => void;
}

function isCloseCode(error: CourierError): boolean {
  return error.code === 'CLOSED_PREMATURELY' || error.code === 'CONNECTION_RESET';
}

/** A phase timer fired: the exchange checks its deadline (a plain function: no closure per request). */
function onPhaseTimer(ex: Exchange): void {
  ex.checkPhaseDeadline();
}

const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * One request/response exchange on one origin, and undici's dispatch handler for it. undici 7
 * runs the legacy handler shape (`onConnect`/`onHeaders`/`onData`/`onComplete`/`onError`)
 * natively and wraps the newer `onRequestStart…` shape in an adapter, so this uses the legacy
 * shape: one object per request, no wrapper, on the hot path.
 */
export class Exchange implements Dispatcher.DispatchHandler, BodySource {
  readonly init: ExchangeInit;
  /** Which closeConnections() generation was current when the request was accepted. */
  drainGeneration = 0;
  /** True once it has been retried on a fresh socket (at most once). */
  retried = false;
  /** The socket served a request before this one: a closed-before-response error may be stale. */
  reusedSocket = false;
  /** Set while queued in the actor, so an abort can take it out of the queue. */
  queued = false;
  slot: SocketSlot | null = null;
  abortReason: CourierError | null = null;
  /** Status of the response head, once it arrived. */
  status = 0;

  #abort: ((err?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #headersSeen = false;
  #received = 0;
  #body: ResponseBody | null = null;
  #trailers: Record<string, string | string[]> = {};
  #settled = false;
  /**
   * Courier's own headers and body timeouts: undici's fast timers tick every ~500 ms (a 100 ms
   * headers timeout fired after ~1 s), so one native timer per exchange guards the phase it is
   * in — armed only when that timeout is set, re-armed with `refresh()` (no allocation) when the
   * body timeout equals the headers timeout. undici's own timers stay on as a backstop.
   */
  #timer: NodeJS.Timeout | null = null;
  #timerMs = 0;
  #phase: 'headers' | 'body' | null = null;
  /** performance.now() when the phase began; for the body, when its last chunk arrived. */
  #phaseAt = 0;
  /** The body consumer asked for no more data: the body timeout waits, as undici's does. */
  #paused = false;
  #resolve: (res: CourierResponse) => void;
  #reject: (err: CourierError) => void;
  owner: ExchangeOwner | null = null;

  constructor(init: ExchangeInit, resolve: (res: CourierResponse) => void, reject: (err: CourierError) => void) {
    this.init = init;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  get idempotent(): boolean {
    return idempotentMethods.has(this.init.method);
  }

  /** A stale-socket error before any response byte may be retried once, when that is safe. */
  canRetryOnFreshSocket(error: CourierError): boolean {
    return (
      this.init.retryStaleSocket &&
      !this.retried &&
      this.reusedSocket &&
      !this.#headersSeen &&
      this.abortReason === null &&
      this.init.replayable &&
      // Never replay a request the server may have processed: idempotent methods only.
      this.idempotent &&
      (error.code === 'CLOSED_PREMATURELY' || error.code === 'CONNECTION_RESET')
    );
  }

  /** Reset per-attempt state before a retry. */
  prepareRetry(): void {
    this.retried = true;
    this.#clearPhase();
    this.#abort = null;
    this.#resume = null;
    this.slot = null;
  }

  dispatchOptions(reset: boolean): Dispatcher.DispatchOptions {
    const i = this.init;
    return {
      path: i.path,
      method: i.method as Dispatcher.HttpMethod,
      headers: i.headers,
      body: i.body as Dispatcher.DispatchOptions['body'],
      reset,
      headersTimeout: backstop(i.headersTimeoutMs),
      bodyTimeout: backstop(i.bodyTimeoutMs),
    };
  }

  // ---- phase deadlines ----

  #armPhase(phase: 'headers' | 'body', ms: number): void {
    this.#phase = phase;
    this.#phaseAt = performance.now();
    if (this.#timer !== null && this.#timerMs === ms) {
      this.#timer.refresh();
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerMs = ms;
    this.#timer = setTimeout(onPhaseTimer, ms, this);
  }

  #clearPhase(): void {
    this.#phase = null;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** The phase timer fired: fail the exchange if its phase really ran out, else wait the rest. */
  checkPhaseDeadline(): void {
    const phase = this.#phase;
    if (phase === null || this.#settled) return;
    const ms = phase === 'headers' ? this.init.headersTimeoutMs : this.init.bodyTimeoutMs;
    if (this.#paused) {
      // A paused body is the reader's choice, not the server's stall: check again later.
      this.#armPhase(phase, ms);
      return;
    }
    const elapsed = performance.now() - this.#phaseAt;
    // Node stamps a timer with the loop's cached clock, which can run behind, and a body chunk
    // may have moved the start since: never fire before the phase has really lasted `ms`.
    if (elapsed < ms) {
      clearTimeout(this.#timer!);
      this.#timerMs = Math.ceil(ms - elapsed);
      this.#timer = setTimeout(onPhaseTimer, this.#timerMs, this);
      return;
    }
    this.#clearPhase();
    const details = { timeoutMs: ms, elapsedMs: Math.round(elapsed * 10) / 10 };
    const error =
      phase === 'headers'
        ? new CourierError('HEADERS_TIMEOUT', `no response head within ${ms} ms`, details)
        : new CourierError('BODY_TIMEOUT', `no response body bytes for ${ms} ms`, details);
    // undici destroys the socket of a request aborted in flight, as on its own timeouts.
    this.#abort?.(error);
  }

  // ---- BodySource ----

  resume(): void {
    // undici's resume is reusable: the body may pause and resume the socket many times.
    if (this.#paused) {
      this.#paused = false;
      if (this.#phase === 'body') this.#phaseAt = performance.now();
    }
    this.#resume?.();
  }

  abort(reason: CourierError): void {
    if (this.#settled) return;
    this.abortReason ??= reason;
    if (this.queued) {
      this.owner?.dequeueAborted(this);
      this.#fail(reason);
      return;
    }
    // Before onConnect the reason is applied as soon as undici hands over its abort function.
    this.#abort?.(reason);
  }

  // ---- undici DispatchHandler (legacy shape) ----

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.abortReason) {
      abort(this.abortReason);
      return;
    }
    // The request is being written to a connected socket: the wait for its head starts now.
    if (timedByCourier(this.init.headersTimeoutMs)) this.#armPhase('headers', this.init.headersTimeoutMs);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx are interim; undici handles 100-continue and upgrades itself.
    if (statusCode < 200) return true;
    this.#headersSeen = true;
    if (this.#phase !== null) this.#clearPhase();
    this.status = statusCode;
    this.#resume = resume;
    const raw: string[] = [];
    const headers = parseRawHeaders(rawHeaders, {}, raw);
    const max = this.init.maxResponseBytes;
    if (max > 0) {
      const declared = Number(headers['content-length']);
      if (declared > max) {
        this.#abort?.(new CourierError('BODY_TOO_LARGE', `response body of ${declared} bytes is over the limit of ${max}`));
        return false;
      }
    }
    if (this.slot && /\bclose\b/i.test(String(headers['connection'] ?? ''))) this.slot.retire();
    const body = new ResponseBody(this);
    this.#body = body;
    if (timedByCourier(this.init.bodyTimeoutMs)) this.#armPhase('body', this.init.bodyTimeoutMs);
    const timings = this.init.timings;
    timings.headersMs = performance.now() - this.init.startedAtMs;
    this.#resolve(
      new CourierResponse({
        status: statusCode,
        statusText,
        headers,
        rawHeaders: raw,
        body,
        url: this.init.url,
        redirects: this.init.redirects,
        timings,
        trailers: this.#trailers,
        reusedSocket: this.reusedSocket,
      }),
    );
    return true;
  }

  onData(chunk: Buffer): boolean {
    const max = this.init.maxResponseBytes;
    if (max > 0) {
      this.#received += chunk.length;
      if (this.#received > max) {
        this.#abort?.(new CourierError('BODY_TOO_LARGE', `response body is over the limit of ${max} bytes`));
        return false;
      }
    }
    if (this.#phase === 'body') this.#phaseAt = performance.now();
    const more = this.#body!.push(chunk);
    if (!more) this.#paused = true;
    return more;
  }

  onComplete(rawTrailers: Array<Buffer | string> | null): void {
    if (rawTrailers && rawTrailers.length > 0) parseRawHeaders(rawTrailers, this.#trailers);
    const slot = this.slot!;
    this.#settled = true;
    if (this.#timer !== null) this.#clearPhase();
    this.init.timings.totalMs = performance.now() - this.init.startedAtMs;
    // Give the socket back before the caller sees the end, so its next request can reuse it.
    this.owner!.release(this, slot, null);
    this.init.onSettled(null);
    this.#body?.end();
  }

  onError(err: Error): void {
    if (this.#settled) return;
    if (this.#timer !== null) this.#clearPhase();
    const slot = this.slot;
    let error = this.abortReason ?? toCourierError(err);
    if (slot?.tlsError && isCloseCode(error)) error = toCourierError(slot.tlsError);
    if (slot && this.owner!.release(this, slot, error)) return; // retried on a fresh socket
    this.#fail(error);
  }

  /** Fail without a socket (refused before dispatch, or aborted while queued). */
  fail(error: CourierError): void {
    this.#fail(error);
  }

  #fail(error: CourierError): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#timer !== null) this.#clearPhase();
    this.init.onSettled(error);
    if (this.#body) this.#body.fail(error);
    else this.#reject(error);
  }
}
