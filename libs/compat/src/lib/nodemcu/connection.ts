import { CourierError, normaliseHeaders } from '@courier/origin';
import { resolveClient, type ClientSource } from '../shared/client-source.ts';
import { luaType } from '../shared/lua.ts';
import { tlsOptionsOf } from '../shared/tls.ts';
import { warnCallbackError } from '../shared/warn.ts';
import { DEFAULT_USER_AGENT, DELAYACK, methodNames } from './constants.ts';
import { HeaderList } from './header-list.ts';
import type { ParsedOptions } from './options.ts';
import { perform, type AckMeter, type PerformHooks, type PerformOutcome } from './perform.ts';

export type ConnectCallback = () => unknown;
export type HeadersCallback = (status: number, headers: Record<string, string>) => unknown;
/** Return `http.DELAYACK` (async mode only) to hold the transfer until `ack()`. */
export type DataCallback = (status: number, data: Buffer) => unknown;
export type CompleteCallback = (status: number, connected: boolean) => unknown;

export interface NodeMcuCallbacks {
  connect?: ConnectCallback | undefined;
  headers?: HeadersCallback | undefined;
  data?: DataCallback | undefined;
  complete?: CompleteCallback | undefined;
}

export type NodeMcuEvent = keyof NodeMcuCallbacks;
const events: readonly NodeMcuEvent[] = ['connect', 'headers', 'data', 'complete'];

/** `request()`'s result in sync mode: the status (negative on error) and whether the socket stays open. */
export type RequestResult = [status: number, connected: boolean];

const WARNING_CODE = 'COURIER_NODEMCU_CALLBACK';

function busy(): CourierError {
  return new CourierError('CONFLICT', 'Cannot modify connection while a request is active');
}

function checkMethod(method: unknown, fn: string): number {
  if (typeof method !== 'number') throw new CourierError('BAD_METHOD', `bad argument #1 to '${fn}' (number expected, got ${luaType(method)})`);
  const m = Math.trunc(method);
  if (!(m >= 0 && m < methodNames.length)) throw new CourierError('BAD_METHOD', `Bad HTTP method ${m}`);
  return m;
}

function checkUrl(url: unknown, message: string): string {
  if (typeof url !== 'string') throw new CourierError('BAD_URL', message);
  try {
    new URL(url);
  } catch (cause) {
    throw new CourierError('BAD_URL', message, { cause });
  }
  // CR, LF, TAB and NUL would be silently dropped by the URL parser: refuse them outright.
  if (/[\r\n\t\0]/.test(url)) throw new CourierError('BAD_URL', message);
  return url;
}

export interface ConnectionInit {
  client: ClientSource;
  url: unknown;
  method: number;
  options: ParsedOptions;
  /** The one-shot APIs: a fresh socket, closed after the request. */
  oneShot?: boolean;
}

/**
 * A NodeMCU ESP32 `http` connection object. It opens no socket itself: each `request()` goes
 * through the client's origin actor, whose keep-alive socket plays the part of the
 * connection's socket.
 */
export class NodeMcuConnection {
  readonly #client: ClientSource;
  readonly #options: ParsedOptions;
  readonly #oneShot: boolean;
  readonly #headers = new HeaderList();
  readonly #callbacks: NodeMcuCallbacks = {};
  readonly #meter: AckMeter = { stream: null, pending: 0 };
  #url: string;
  #method: number;
  #body: string | null = null;
  #active = false;
  #inCallback = false;
  #pendingAck: (() => void) | null = null;
  #closeRequested = false;
  #controller: AbortController | null = null;
  // Like the firmware's int16 field: set by each response or error, never reset in between.
  #status = 0;
  #connected = false;

  constructor(init: ConnectionInit) {
    this.#client = init.client;
    this.#options = init.options;
    this.#oneShot = init.oneShot === true;
    this.#url = checkUrl(init.url, 'esp_http_client_init failed');
    this.#method = init.method;
    this.#headers.set('User-Agent', DEFAULT_USER_AGENT);
    for (const [name, value] of init.options.headers) this.#headers.set(name, value);
  }

  /** Whether requests run asynchronously (the `async` option). */
  get async(): boolean {
    return this.#options.async;
  }

  /** A request is under way (between `request()` and its `complete`). */
  get active(): boolean {
    return this.#active;
  }

  /**
   * Bytes read off the socket for the current response and not yet acknowledged: the piece a
   * `data` callback holds (until `ack()` after `DELAYACK`) plus what waits in the body stream.
   * Backpressure keeps this to a few buffers whatever the size of the response.
   */
  get unacknowledgedBytes(): number {
    return this.#meter.pending + (this.#meter.stream?.readableLength ?? 0);
  }

  /** Sets (or with no callback, removes) the callback of an event. Returns the connection for chaining. */
  on(event: 'connect', callback?: ConnectCallback | null): this;
  on(event: 'headers', callback?: HeadersCallback | null): this;
  on(event: 'data', callback?: DataCallback | null): this;
  on(event: 'complete', callback?: CompleteCallback | null): this;
  on(event: NodeMcuEvent, callback?: ((...args: never[]) => unknown) | null): this {
    if (!events.includes(event)) throw new CourierError('BAD_OPTION', `bad argument #1 to 'on' (invalid option '${String(event)}')`);
    if (callback !== undefined && callback !== null && typeof callback !== 'function') {
      throw new CourierError('BAD_OPTION', `bad argument #2 to 'on' (function expected, got ${luaType(callback)})`);
    }
    (this.#callbacks as Record<string, unknown>)[event] = callback ?? undefined;
    return this;
  }

  /**
   * Runs the request. Sync mode: resolves to `[status, connected]` once every callback,
   * `complete` included, has run. Async mode: returns nothing at once; results come through
   * the callbacks.
   */
  request(): Promise<RequestResult> | undefined {
    this.#checkIdle();
    this.#active = true;
    this.#closeRequested = false;
    this.#controller = new AbortController();
    const run = this.#run(this.#controller.signal);
    if (!this.#options.async) return run;
    run.catch((error: unknown) => warnCallbackError(WARNING_CODE, 'request', error));
    return undefined;
  }

  /** The URL of the next request. */
  seturl(url: string): void {
    this.#checkIdle();
    const next = checkUrl(url, 'esp_http_client_set_url returned -1');
    const before = new URL(this.#url);
    // The firmware rewrites Host when the host changes; here the new URL's host is sent.
    if (new URL(next).host !== before.host) this.#headers.delete('Host');
    this.#url = next;
  }

  /** The method of the next request: `http.GET`, `http.POST`, … (any number from 0 to 16). */
  setmethod(method: number): void {
    this.#checkIdle();
    this.#method = checkMethod(method, 'setmethod');
  }

  /** Sets a request header (case-insensitive name), or removes it when `value` is omitted. */
  setheader(name: string, value?: string | null): void {
    this.#checkIdle();
    if (typeof name !== 'string') throw new CourierError('BAD_HEADER', `bad argument #1 to 'setheader' (string expected, got ${luaType(name)})`);
    if (value === undefined || value === null) {
      this.#headers.delete(name);
      return;
    }
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string') throw new CourierError('BAD_HEADER', `bad argument #2 to 'setheader' (string expected, got ${luaType(value)})`);
    normaliseHeaders([[name, text]]);
    this.#headers.set(name, text);
  }

  /**
   * The request body (sent with every following request, whatever the method). Adds
   * `Content-Type: application/x-www-form-urlencoded` unless a Content-Type is set; no body
   * clears both.
   */
  setbody(data?: string | null): void {
    this.#checkIdle();
    if (data === undefined || data === null) {
      this.#body = null;
      this.#headers.delete('Content-Type');
      return;
    }
    const text = typeof data === 'number' ? String(data) : data;
    if (typeof text !== 'string') throw new CourierError('BAD_BODY', `bad argument #1 to 'setbody' (string expected, got ${luaType(data)})`);
    this.#body = text;
    if (!this.#headers.has('Content-Type')) this.#headers.set('Content-Type', 'application/x-www-form-urlencoded');
  }

  /** The ESP8266 name of `setbody` (DESIGN): the same ESP32 behaviour, the method is unchanged. */
  setpostdata(data?: string | null): void {
    this.setbody(data);
  }

  /** Ends a `data` callback that returned `DELAYACK`: the transfer goes on. */
  ack(): void {
    if (this.#inCallback) throw new CourierError('CONFLICT', 'Cannot call ack() from within the callback itself');
    const pending = this.#pendingAck;
    if (!pending) throw new CourierError('CONFLICT', 'No asynchronous callback pending');
    this.#pendingAck = null;
    pending();
  }

  /**
   * Idle: closes the origin's idle keep-alive sockets. During a request: aborts it (in async
   * mode only from a callback or while an ack is pending; `ack()` must still be called then).
   */
  close(): void {
    if (!this.#active) {
      this.#connected = false;
      resolveClient(this.#client).closeConnections(this.#url).catch(() => {});
      return;
    }
    if (this.#options.async && !this.#inCallback && !this.#pendingAck) {
      throw new CourierError('CONFLICT', 'Cannot close an ongoing async request outside of a callback or pending ack');
    }
    this.#closeRequested = true;
    this.#controller?.abort(new CourierError('ABORTED', 'connection closed by close()'));
  }

  #checkIdle(): void {
    if (this.#active || this.#inCallback) throw busy();
  }

  async #run(signal: AbortSignal): Promise<RequestResult> {
    let outcome: PerformOutcome;
    const url = this.#url;
    try {
      outcome = await perform(
        {
          client: resolveClient(this.#client),
          url,
          method: methodNames[this.#method]!,
          headers: this.#headers.list(),
          body: this.#body,
          bufsz: this.#options.bufsz,
          timeoutMs: this.#options.timeoutMs,
          maxRedirects: this.#options.maxRedirects,
          tls: this.#options.cert !== undefined ? tlsOptionsOf({ ca: this.#options.cert }) : undefined,
          signal,
          oneShot: this.#oneShot,
        },
        this.#hooks,
        this.#meter,
      );
    } catch (error) {
      // perform() maps request errors itself; this is a fault of ours, still reported as a status.
      outcome = { status: -1, headersSeen: false, connected: false, error };
    }
    this.#status = outcome.status;
    this.#connected = outcome.connected;
    this.#active = false;
    this.#controller = null;
    this.#pendingAck = null;
    // `complete` may start the next request on this connection (the firmware allows it).
    await this.#invoke('complete', [this.#status, this.#connected]);
    return [this.#status, this.#connected];
  }

  readonly #hooks: PerformHooks = {
    connect: () => this.#invoke('connect', []),
    headers: (status, headers) => this.#invoke('headers', [status, headers]),
    data: (status, chunk) => this.#invoke('data', [status, chunk]),
    shouldStop: () => this.#closeRequested,
  };

  /** Runs one callback; resolves when it is acknowledged (at once unless it delayed its ack). */
  async #invoke(event: NodeMcuEvent, args: unknown[]): Promise<void> {
    const callback = this.#callbacks[event] as ((...a: unknown[]) => unknown) | undefined;
    if (!callback) return;
    let result: unknown;
    // `complete` is the one callback from which the connection may be reused.
    this.#inCallback = event !== 'complete';
    try {
      result = callback(...args);
    } catch (error) {
      warnCallbackError(WARNING_CODE, `${event} callback`, error);
    } finally {
      this.#inCallback = false;
    }
    if (result !== DELAYACK) return;
    if (!this.#options.async) {
      warnCallbackError(WARNING_CODE, `${event} callback`, 'Cannot delay acknowledgment of a callback when using synchronous callbacks');
    } else if (event !== 'data') {
      warnCallbackError(WARNING_CODE, `${event} callback`, "Cannot delay acknowledgment of callbacks other than 'data'");
    } else {
      await new Promise<void>((resolve) => {
        this.#pendingAck = resolve;
      });
    }
  }
}
