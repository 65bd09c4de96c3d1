import type { Readable } from 'node:stream';
import { isCourierError, type Client, type CourierResponse, type TlsOptions } from '@courier/origin';
import { NodeMcuStatus, statusForError } from './status-codes.ts';

/** What one `request()` sends. Method, body and headers carry over every redirect unchanged (B.7). */
export interface PerformSetup {
  client: Client;
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: string | null;
  bufsz: number;
  /** Milliseconds for the connect, the wait for the head and each wait for body data. */
  timeoutMs: number;
  maxRedirects: number;
  tls: TlsOptions | undefined;
  signal: AbortSignal;
  /** One-shot API: a fresh socket, closed after the request (`Connection: close`). */
  oneShot: boolean;
}

/** The connection's side: each hook resolves once the callback has been acknowledged. */
export interface PerformHooks {
  connect(): Promise<void>;
  headers(status: number, headers: Record<string, string>): Promise<void>;
  data(status: number, chunk: Buffer): Promise<void>;
  /** Stop reading: `close()` was called from a callback. */
  shouldStop(): boolean;
}

/** Bytes taken off the socket and not yet acknowledged by the `data` callback. */
export interface AckMeter {
  stream: Readable | null;
  pending: number;
}

export interface PerformOutcome {
  status: number;
  /** The head of the final response arrived (the one-shot APIs return headers only then). */
  headersSeen: boolean;
  /** The socket may be used again: nobody asked to close it and a reusable one is open. */
  connected: boolean;
  error: unknown;
}

// ESP-IDF follows only these (B.7): 300, 304, 305 and 306 are answers.
const followed = new Set([301, 302, 303, 307, 308]);
// Credentials never follow a request to another origin (a deliberate deviation: IDF keeps them).
const originBound = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);
// A failure after these means a socket was connected for the request.
const afterConnect = new Set(['HEADERS_TIMEOUT', 'CLOSED_PREMATURELY', 'CONNECTION_RESET', 'PROTOCOL_ERROR', 'HEADERS_TOO_LARGE']);

function hasToken(value: string | string[] | undefined, token: string): boolean {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** Lower-cased names; of repeated headers the first one wins, as the firmware's list order gives (B.3). */
function firstValues(headers: CourierResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? (value[0] ?? '') : value;
  return out;
}

function nextUrl(location: string | string[] | undefined, current: URL): URL | null {
  const target = Array.isArray(location) ? location[0] : location;
  if (!target) return null;
  try {
    return new URL(target, current);
  } catch {
    return null;
  }
}

/**
 * One `request()`: the hops of a redirect chain with their callbacks, each body read from a
 * paused-until-asked stream so an unacknowledged `data` callback stops the socket being read.
 */
export async function perform(setup: PerformSetup, hooks: PerformHooks, meter: AckMeter): Promise<PerformOutcome> {
  const { client, tls, signal } = setup;
  let url = new URL(setup.url);
  // The firmware always writes Content-Length itself, over any the caller set.
  let headers = setup.headers.filter(([n]) => n.toLowerCase() !== 'content-length');
  const requestCloses = headers.some(([n, v]) => n.toLowerCase() === 'connection' && hasToken(v, 'close'));
  // The counter is per request (the firmware never resets it: a plain bug, see README).
  let redirects = 0;
  let status = 0;
  let headersSeen = false;
  let responseCloses = false;
  for (;;) {
    headersSeen = false;
    // Only for a request that fails after its socket connected (a failure carries no
    // `reusedSocket`): no reusable socket before the request means one was opened for it.
    const hadSocket = client.hasConnection(url, { tls });
    let res: CourierResponse;
    try {
      res = await client.request(url, {
        method: setup.method,
        headers,
        body: setup.body,
        maxRedirects: 0,
        connectTimeoutMs: setup.timeoutMs,
        headersTimeoutMs: setup.timeoutMs,
        bodyTimeoutMs: setup.timeoutMs,
        signal,
        ...(setup.oneShot ? { dontReuse: true, dontMakeReusable: true } : {}),
        ...(tls ? { tls } : {}),
      });
    } catch (error) {
      if (!hadSocket && isCourierError(error) && afterConnect.has(error.code)) await hooks.connect();
      return { status: statusForError(error), headersSeen: false, connected: false, error };
    }
    if (!res.reusedSocket) await hooks.connect();
    status = res.status;
    responseCloses = hasToken(res.headers['connection'], 'close');
    let next: URL | null = null;
    if (setup.maxRedirects > 0 && followed.has(status)) {
      if (redirects >= setup.maxRedirects) {
        res.body.cancel('redirect limit reached');
        return { status: NodeMcuStatus.MAX_REDIRECT, headersSeen: false, connected: false, error: null };
      }
      next = nextUrl(res.headers['location'], url);
      // No usable Location, or https → http (refused: a deliberate deviation), is ESP_FAIL.
      if (next === null || (url.protocol === 'https:' && next.protocol === 'http:')) {
        res.body.cancel('redirect not followed');
        return { status: NodeMcuStatus.FAIL, headersSeen: false, connected: false, error: null };
      }
    }
    const hopHeaders = firstValues(res.headers);
    try {
      await readBody(res, setup.bufsz, hooks, meter, async () => {
        headersSeen = true;
        await hooks.headers(status, hopHeaders);
      });
    } catch (error) {
      // close() from a callback ends the transfer with the HTTP status, as the firmware's does;
      // a body cut short otherwise is an error (the firmware reports success: see README).
      if (hooks.shouldStop()) return { status, headersSeen, connected: false, error: null };
      return { status: statusForError(error), headersSeen, connected: false, error };
    }
    if (hooks.shouldStop()) return { status, headersSeen, connected: false, error: null };
    if (next === null) break;
    redirects++;
    if (next.origin !== url.origin) headers = headers.filter(([n]) => !originBound.has(n.toLowerCase()));
    next.hash = '';
    url = next;
  }
  const connected = !requestCloses && !responseCloses && client.hasConnection(url, { tls });
  return { status, headersSeen, connected, error: null };
}

/** `headers` fires lazily, before the first `data` or at the end when there is no body (B.3). */
async function readBody(
  res: CourierResponse,
  bufsz: number,
  hooks: PerformHooks,
  meter: AckMeter,
  fireHeaders: () => Promise<void>,
): Promise<void> {
  let headersFired = false;
  // A device reads in `bufsz` pieces: keep at most one socket read waiting (Node's 16 KiB
  // default), not the 256 KiB a download stream buffers.
  const stream = res.body.stream({ highWaterMark: 16 * 1024 });
  meter.stream = stream;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      meter.pending = chunk.length;
      if (!headersFired) {
        headersFired = true;
        await fireHeaders();
      }
      for (let start = 0; start < chunk.length; start += bufsz) {
        if (hooks.shouldStop()) {
          stream.destroy();
          return;
        }
        const piece = chunk.subarray(start, Math.min(chunk.length, start + bufsz));
        await hooks.data(res.status, piece);
        meter.pending -= piece.length;
      }
    }
  } finally {
    meter.stream = null;
    meter.pending = 0;
  }
  if (!headersFired) await fireHeaders();
}

