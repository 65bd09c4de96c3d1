import { isIP } from 'node:net';
import { CourierError, type AdoptedSocket, type TlsOptions } from '@courier/origin';
import { resolveClient, type ClientSource } from '../shared/client-source.ts';
import { tlsOptionsOf, type TlsMaterial } from '../shared/tls.ts';
import { requestHeaderMap } from './headers.ts';
import { chunkFrame, LAST_CHUNK, pieces, type BodyStream } from './request-body.ts';
import { readHead } from './response-head.ts';
import { HttpResponseStream, type StreamOwner } from './response-stream.ts';
import { SocketIo } from './socket-io.ts';
import { normaliseTimeouts, toMs, type TimeoutInit, type TimeoutOptions } from './timeouts.ts';

/** A whole response (`getResponse`). */
export interface HttpResponse {
  status: number;
  /** Reason phrase; `''` when there is none. */
  reason: string;
  /** Lower-case names; repeated ones joined with ", " (set-cookie and content-length with "\n"). */
  headers: Record<string, string>;
  /** Trailers of a chunked body; `{}` when there are none (Eryx gives nil for some: see README). */
  trailers: Record<string, string>;
  /** The body as UTF-8 text. */
  body: string;
  /** The body's bytes (binary-safe). */
  bodyBytes: Buffer;
  /** For example `HTTP/1.1`. */
  httpVersion: string;
}

/** What a facade gives its connections. */
export interface EryxContext {
  /** The client whose origin actors open (and count) the sockets. */
  client: ClientSource;
  /** TLS material for every https connection, in place of the client's own; none: the client's. */
  tls: Omit<TlsMaterial, 'verify'> | undefined;
}

const methodRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Control characters and spaces would end or split the request line.
const badTargetRe = /[\0-\x20\x7f]/;

function timeoutOf(phase: string, seconds: number | undefined, code: 'BODY_TIMEOUT') {
  return () => new CourierError(code, `${phase} timed out after ${seconds} s`);
}

/** `scheme://host:port` of the origin actor that opens the socket; a host that cannot be one is BAD_URL. */
function remoteOf(scheme: string, host: string, port: number): URL {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  try {
    return new URL(`${scheme === 'https' ? 'https' : 'http'}://${name}:${port}/`);
  } catch (cause) {
    throw new CourierError('BAD_URL', 'host must be a hostname or an IP address', { cause });
  }
}

/**
 * Eryx's `http.HttpConnection`: one persistent HTTP/1.1 connection to one host and port. Its
 * socket is opened by the client's origin actor (`adoptSocket`: the client's DNS, destination
 * policy, TLS settings and proxy), which counts it in `hasConnection` and its snapshot; the
 * connection speaks HTTP on it itself, so the 100-continue exchange (which undici refuses), the
 * per-phase timeouts and Eryx's framing rules hold byte for byte.
 */
export class HttpConnection implements StreamOwner {
  readonly host: string;
  readonly port: number;
  readonly #remote: URL;
  /** TLS settings for the origin actor; undefined: the client's own (http, or none given). */
  readonly #tls: TlsOptions | undefined;
  readonly #context: EryxContext;
  #timeouts: TimeoutOptions;
  #io: SocketIo | null = null;
  /** The origin actor's record of the socket `#io` reads: busy while a request runs on it. */
  #adopted: AdoptedSocket | null = null;
  #connecting: Promise<void> | null = null;
  /** Methods of the requests sent whose responses have not been read (HEAD has no body). */
  #pending: string[] = [];
  #prefetched: HttpResponse | null = null;
  #activeStream: HttpResponseStream | null = null;

  constructor(context: EryxContext, host: string, port?: number | null, timeout?: TimeoutInit, scheme?: string | null, verifySsl?: boolean | null) {
    if (typeof host !== 'string' || host.length === 0 || badTargetRe.test(host)) throw new CourierError('BAD_URL', 'host must be a hostname or an IP address');
    const s = scheme ?? 'http';
    this.host = host;
    this.port = port ?? (s === 'https' ? 443 : 80);
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) throw new CourierError('BAD_URL', `port must be 1…65535, got ${String(port)}`);
    this.#remote = remoteOf(s, host, this.port);
    this.#timeouts = normaliseTimeouts(timeout);
    const verify = verifySsl ?? true;
    // Only an explicit `verifySsl = false` turns verification off; otherwise the facade's
    // material, or else the client's own settings, apply.
    this.#tls = s !== 'https' ? undefined : !verify || context.tls ? tlsOptionsOf({ ...context.tls, verify }) : undefined;
    this.#context = context;
  }

  /** A socket is open and the peer has not closed it (not an Eryx field: a TypeScript convenience). */
  get connected(): boolean {
    return this.#io !== null && !this.#io.finished;
  }

  /** Replaces the per-phase timeouts (seconds; a number for all phases, a table, or nil for none). */
  setTimeouts(timeout: TimeoutInit): void {
    this.#timeouts = normaliseTimeouts(timeout);
  }

  /** Opens the TCP (and TLS) connection; nothing happens when one is open. Errors propagate. */
  async connect(): Promise<void> {
    if (this.#io && !this.#io.finished) return;
    if (this.#io) this.#drop();
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const client = resolveClient(this.#context.client);
    // Eryx makes an AF_INET socket: IPv4 first (the actor's connector still tries IPv6 after it).
    // No connect timeout (0) leaves the bound to the OS, as Eryx's blocking connect does.
    const adopted = await client.adoptSocket(this.#remote, {
      connectTimeoutMs: toMs(this.#timeouts.connect),
      preferIpv6: false,
      ...(this.#tls ? { tls: this.#tls } : {}),
    });
    this.#adopted = adopted;
    this.#io = new SocketIo(adopted.socket);
  }

  /** Closes the connection (any open response stream with it). Safe to call twice. */
  close(): void {
    if (this.#activeStream) {
      this.#activeStream.detach();
      this.#activeStream = null;
    }
    this.#drop();
    this.#prefetched = null;
  }

  #drop(): void {
    this.#io?.destroy();
    this.#io = null;
    // The actor would hear of it at the socket's 'close'; released now, its counts are right at once.
    this.#adopted?.release();
    this.#adopted = null;
    this.#pending = [];
  }

  /** Busy (counted in flight by the actor) while a response is awaited or being read. */
  #updateBusy(): void {
    const streaming = this.#activeStream !== null && !this.#activeStream.closed;
    this.#adopted?.setBusy(this.#pending.length > 0 || streaming);
  }

  /**
   * Sends a request; connects first when needed. `expectContinue` (with an `Expect:
   * 100-continue` header of the caller's) sends a non-empty body only after a `100 Continue`;
   * a final response instead is kept for the next `getResponse()`.
   */
  async request(
    method: string,
    path: string,
    headers?: Record<string, string | number> | null,
    body?: string | Uint8Array | null,
    expectContinue?: boolean | null,
    bodyStream?: BodyStream | null,
    bodyLength?: number | null,
  ): Promise<void> {
    if (this.#activeStream && !this.#activeStream.closed) throw new CourierError('CONFLICT', 'Cannot send a new request while a response stream is still open');
    if (typeof method !== 'string' || !methodRe.test(method)) throw new CourierError('BAD_METHOD', `invalid method ${JSON.stringify(String(method)).slice(0, 80)}`);
    if (typeof path !== 'string' || path.length === 0 || badTargetRe.test(path)) throw new CourierError('BAD_URL', 'path must be a request target without spaces or control characters');
    if (body !== undefined && body !== null && bodyStream !== undefined && bodyStream !== null) {
      throw new CourierError('BAD_BODY', 'Cannot send both a string body and a streaming body');
    }
    if (bodyLength !== undefined && bodyLength !== null && (!Number.isSafeInteger(bodyLength) || bodyLength < 0)) {
      throw new CourierError('BAD_BODY', `bodyLength must be a whole number of bytes, got ${String(bodyLength)}`);
    }
    const hdrs = requestHeaderMap(headers);
    const payload = body === undefined || body === null ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    if (!this.#io || this.#io.finished) await this.connect();
    if (!hdrs.has('host')) hdrs.set('host', this.port === 80 || this.port === 443 ? this.host : `${this.host}:${this.port}`);
    let expectedLength: number | null = null;
    let chunked = /(^|,)\s*chunked\s*$/i.test(hdrs.get('transfer-encoding') ?? '');
    if (payload && !hdrs.has('content-length') && !hdrs.has('transfer-encoding')) hdrs.set('content-length', String(payload.length));
    if (bodyStream) {
      if (!hdrs.has('content-length') && !hdrs.has('transfer-encoding')) {
        if (bodyLength !== undefined && bodyLength !== null) hdrs.set('content-length', String(bodyLength));
        else {
          hdrs.set('transfer-encoding', 'chunked');
          chunked = true;
        }
      }
      if (!chunked) expectedLength = bodyLength ?? Number(hdrs.get('content-length'));
    }
    if (!hdrs.has('connection')) hdrs.set('connection', 'keep-alive');
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (const [name, value] of hdrs) head += `${name}: ${value}\r\n`;
    head += '\r\n';

    this.#pending.push(method.toUpperCase());
    this.#updateBusy();
    try {
      await this.#write(head);
      const hasBody = (payload !== null && payload.length > 0) || Boolean(bodyStream);
      if (expectContinue && hasBody) {
        const finalResponse = await this.#awaitContinue();
        if (finalResponse) return;
      }
      if (payload) await this.#sendPayload(payload, chunked);
      else if (bodyStream) await this.#sendStream(bodyStream, chunked, expectedLength);
    } catch (error) {
      // A half-sent request leaves the connection out of step: it is closed.
      this.#drop();
      throw error;
    }
  }

  /** Interim responses until 100 (send the body) or a final one (kept; the body is never sent). */
  async #awaitContinue(): Promise<boolean> {
    for (;;) {
      const head = await readHead(this.#io!, this.readTimeoutMs());
      if (head.status === 100) return false;
      if (head.status > 100 && head.status < 200 && head.status !== 101) continue;
      const method = this.#pending.shift() ?? 'GET';
      const stream = new HttpResponseStream(head, method, this.#io, this);
      const bodyBytes = await stream.readAll();
      this.#prefetched = toResponse(stream, bodyBytes);
      // The server answered without the body it was promised: the connection cannot be trusted to
      // be in step any more (Eryx keeps using it: see README).
      this.#drop();
      return true;
    }
  }

  async #sendPayload(payload: Buffer, chunked: boolean): Promise<void> {
    if (!chunked) {
      await this.#write(payload);
      return;
    }
    if (payload.length > 0) await this.#write(Buffer.concat(chunkFrame(payload)));
    await this.#write(LAST_CHUNK);
  }

  async #sendStream(stream: BodyStream, chunked: boolean, expected: number | null): Promise<void> {
    let sent = 0;
    for await (const piece of pieces(stream)) {
      sent += piece.length;
      if (expected !== null && sent > expected) throw new CourierError('BAD_BODY', 'Streaming body produced more bytes than Content-Length');
      await this.#write(chunked ? Buffer.concat(chunkFrame(piece)) : piece);
    }
    if (expected !== null && sent < expected) throw new CourierError('BAD_BODY', 'Streaming body ended before reaching Content-Length');
    if (chunked) await this.#write(LAST_CHUNK);
  }

  #write(data: Buffer | string): Promise<void> {
    const seconds = this.#timeouts.write;
    return this.#io!.write(data, toMs(seconds), timeoutOf('write', seconds, 'BODY_TIMEOUT'));
  }

  /** The next response, body read whole. A prefetched one (100-continue path) comes first. */
  async getResponse(): Promise<HttpResponse> {
    if (this.#prefetched) {
      const response = this.#prefetched;
      this.#prefetched = null;
      return response;
    }
    const stream = await this.#nextStream();
    return toResponse(stream, await stream.readAll());
  }

  /** The next response with its body still to read. */
  async getResponseStream(): Promise<HttpResponseStream> {
    if (this.#prefetched) {
      const r = this.#prefetched;
      this.#prefetched = null;
      return HttpResponseStream.buffered({ status: r.status, reason: r.reason, headers: r.headers, httpVersion: r.httpVersion }, r.bodyBytes, r.trailers);
    }
    return this.#nextStream();
  }

  async #nextStream(): Promise<HttpResponseStream> {
    if (this.#activeStream && !this.#activeStream.closed) throw new CourierError('CONFLICT', 'Cannot read a response while a response stream is still open');
    if (!this.#io || this.#pending.length === 0) throw new CourierError('CONFLICT', 'No request is waiting for its response on this connection');
    const io = this.#io;
    try {
      for (;;) {
        const head = await readHead(io, this.readTimeoutMs());
        // Interim 1xx responses are skipped; 101 is final.
        if (head.status >= 100 && head.status < 200 && head.status !== 101) continue;
        const stream = new HttpResponseStream(head, this.#pending.shift()!, io, this);
        this.#activeStream = stream;
        // Eryx's keep-alive rules: a socket closed after this response is no longer reusable.
        if (!stream.keepAlive) this.#adopted?.setReusable(false);
        return stream;
      }
    } catch (error) {
      this.#drop();
      throw error;
    }
  }

  // ---- StreamOwner ----

  readTimeoutMs(): number {
    return toMs(this.#timeouts.read);
  }

  finished(stream: HttpResponseStream, keepAlive: boolean): void {
    if (this.#activeStream === stream) this.#activeStream = null;
    // Eryx skips this for bodiless responses, so their `Connection: close` is ignored (README).
    if (!keepAlive) this.#drop();
    else this.#updateBusy();
  }

  failed(stream: HttpResponseStream): void {
    if (this.#activeStream === stream) this.#activeStream = null;
    this.#drop();
  }
}

function toResponse(stream: HttpResponseStream, bodyBytes: Buffer): HttpResponse {
  return {
    status: stream.status,
    reason: stream.reason,
    headers: stream.headers,
    trailers: stream.trailers,
    body: bodyBytes.toString('utf8'),
    bodyBytes,
    httpVersion: stream.httpVersion,
  };
}

