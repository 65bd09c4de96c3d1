import { Readable } from 'node:stream';
import type { AdoptedSocket } from './adopted-socket.ts';
import { channels } from './diagnostics.ts';
import { CourierError, isCourierError } from './errors.ts';
import { Exchange } from './exchange.ts';
import type { OriginActor } from './origin-actor.ts';
import { originIdOf, remoteToUrl } from './origin-key.ts';
import { PolicyResolver, type OriginPolicy } from './policy.ts';
import { isRedirect, nextHop, type Hop } from './redirect.ts';
import { OriginRegistry } from './registry.ts';
import { isReplayable } from './replayable-body.ts';
import { RequestControl, publishRequestEnd } from './request-control.ts';
import type { CourierResponse } from './response.ts';
import type { BodyInit, ClientOptions, OriginSnapshot, OriginTransition, RedirectHop, RequestInit, SocketState, Timings, TlsOptions } from './types.ts';
import { hasHeader, normaliseHeaders, normaliseMethod, parseUrl, userinfoAuthorization } from './validate.ts';

function checkBody(body: unknown): BodyInit {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') return body as AsyncIterable<Uint8Array>;
  throw new CourierError('BAD_BODY', `body must be a string, a Uint8Array, a Readable or an async iterable, got ${typeof body}`);
}

/** userinfo in a URL becomes Basic credentials for its own origin, never part of the target. */
function takeUserinfo(url: URL, headers: string[]): URL {
  const authorization = userinfoAuthorization(url);
  if (authorization === null) return url;
  if (!hasHeader(headers, 'authorization')) headers.push('authorization', authorization);
  const clean = new URL(url.href);
  clean.username = '';
  clean.password = '';
  return clean;
}

interface HopHandle {
  promise: Promise<CourierResponse>;
  exchange: Exchange;
  settled: boolean;
  final: boolean;
  redirected: boolean;
  actor: OriginActor;
  startedAtMs: number;
}

/**
 * The Courier HTTP client: every request goes through the origin actor of its origin; a
 * redirect to another origin is handed to that origin's actor through the registry.
 */
export class Client {
  readonly #options: ClientOptions;
  readonly #registry: OriginRegistry;
  #closing: Promise<void> | null = null;

  constructor(options: ClientOptions = {}) {
    this.#options = options;
    this.#registry = new OriginRegistry(new PolicyResolver(options.policy, options.origins), options);
  }

  /** Number of origin actors alive (evicted ones are gone). */
  get size(): number {
    return this.#registry.size;
  }

  async request(input: string | URL, init: RequestInit = {}): Promise<CourierResponse> {
    if (this.#closing) throw new CourierError('CLIENT_CLOSED', 'the client is closed');
    const startedAtMs = performance.now();
    const headers = normaliseHeaders(init.headers);
    let hop: Hop = {
      url: takeUserinfo(parseUrl(input), headers),
      method: normaliseMethod(init.method, init.verbatimMethod === true),
      headers,
      body: checkBody(init.body),
    };
    const tls = init.tls ?? this.#options.tls;
    const redirects: RedirectHop[] = [];
    const timings: Timings = { startedAt: Date.now(), headersMs: 0 };
    let control: RequestControl | null = null;
    let seen: Set<string> | null = null;
    /** The actor whose hop answered the redirect being followed: it hands the next hop on. */
    let handing: OriginActor | null = null;
    for (;;) {
      let actor: OriginActor;
      try {
        actor = this.#registry.acquire(originIdOf(hop.url, tls), tls);
      } catch (err) {
        // A refused destination (or a full table) ends the request here, on any hop.
        control?.finish();
        if (isCourierError(err)) this.#reportEnd(originIdOf(hop.url, undefined).origin, hop.method, startedAtMs, null, err.code);
        throw err;
      }
      const policy = actor.policy;
      if (redirects.length === 0) {
        const total = init.totalTimeoutMs ?? policy.totalTimeoutMs;
        if (init.signal || total > 0) control = new RequestControl(init.signal, total);
      }
      const ex = this.#exchange(actor, handing, hop, init, policy, redirects, timings, startedAtMs, control);
      let res: CourierResponse;
      try {
        res = await ex.promise;
      } catch (err) {
        if (isCourierError(err) && err.code === 'BLOCKED_DESTINATION') this.#registry.dropUnused(actor);
        throw err;
      }
      const maxRedirects = init.maxRedirects ?? policy.maxRedirects;
      const location = res.headers['location'];
      if (maxRedirects === 0 || !isRedirect(res.status, location)) return this.#final(ex, res, control);
      if (redirects.length >= maxRedirects) {
        res.body.cancel('redirect limit reached');
        throw new CourierError('TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects, last to ${location}`);
      }
      let next: Hop | null;
      try {
        next = nextHop(res.status, location, hop, init.allowInsecureRedirects ?? policy.allowInsecureRedirects);
      } catch (err) {
        res.body.cancel('redirect refused');
        throw err;
      }
      if (next === null) return this.#final(ex, res, control);
      seen ??= new Set([`${hop.method} ${hop.url.href}`]);
      const visit = `${next.method} ${next.url.href}`;
      if (seen.has(visit)) {
        res.body.cancel('redirect loop');
        throw new CourierError('TOO_MANY_REDIRECTS', `redirect loop: ${next.url.href} was already visited`);
      }
      seen.add(visit);
      redirects.push({ status: res.status, url: hop.url.href, location: next.url.href, method: hop.method });
      ex.redirected = true;
      await res.body.dump();
      hop = next;
      handing = actor;
    }
  }

  #exchange(
    actor: OriginActor,
    handing: OriginActor | null,
    hop: Hop,
    init: RequestInit,
    policy: OriginPolicy,
    redirects: RedirectHop[],
    timings: Timings,
    startedAtMs: number,
    control: RequestControl | null,
  ): HopHandle {
    const out = {
      promise: null as unknown as Promise<CourierResponse>,
      exchange: null as unknown as Exchange,
      settled: false,
      /** The caller got this hop's response as the final one. */
      final: false,
      /** This hop's response was a redirect that was followed. */
      redirected: false,
      actor,
      startedAtMs,
    };
    out.promise = new Promise<CourierResponse>((resolve, reject) => {
      const ex = new Exchange(
        {
          method: hop.method,
          path: `${hop.url.pathname}${hop.url.search}`,
          headers: hop.headers,
          body: hop.body,
          url: hop.url.href,
          replayable: isReplayable(hop.body),
          dontReuse: init.dontReuse === true,
          dontMakeReusable: init.dontMakeReusable === true,
          preferIpv6: init.preferIpv6 ?? policy.preferIpv6,
          connectTimeoutMs: init.connectTimeoutMs ?? policy.connectTimeoutMs,
          headersTimeoutMs: init.headersTimeoutMs ?? policy.headersTimeoutMs,
          bodyTimeoutMs: init.bodyTimeoutMs ?? policy.bodyTimeoutMs,
          maxResponseBytes: init.maxResponseBytes ?? policy.maxResponseBytes,
          retryStaleSocket: init.retryStaleSocket ?? policy.retryStaleSocket,
          redirects,
          timings,
          startedAtMs,
          onSettled: (error) => {
            out.settled = true;
            control?.settled(ex, error);
            // A request ends once: with an error on any hop it does not redirect away from, or
            // when the final response's body has been read (see `#reportEnd` in the loop).
            if (error && !out.redirected) this.#reportEnd(actor.id.origin, hop.method, startedAtMs, null, error.code);
            else if (!error && out.final) this.#reportEnd(actor.id.origin, hop.method, startedAtMs, ex.status, null);
          },
        },
        resolve,
        reject,
      );
      out.exchange = ex;
      if (control) {
        control.current = ex;
        if (control.reason) {
          ex.fail(control.reason);
          return;
        }
      }
      // A redirect's next hop is handed from the actor that answered it to this one (through
      // their charts, see OriginActor.handOff); the first hop goes straight in.
      if (handing === null) actor.dispatch(ex);
      else handing.handOff(actor, ex, redirects.length);
    });
    return out;
  }

  #final(hop: HopHandle, res: CourierResponse, control: RequestControl | null): CourierResponse {
    hop.final = true;
    control?.markFinal(hop.exchange, hop.settled);
    if (hop.settled) this.#reportEnd(hop.actor.id.origin, hop.exchange.init.method, hop.startedAtMs, res.status, null);
    return res;
  }

  #reportEnd(origin: string, method: string, startedAtMs: number, status: number | null, error: string | null): void {
    if (!channels.requestEnd.hasSubscribers) return;
    publishRequestEnd({ origin, method, status, durationMs: performance.now() - startedAtMs, error });
  }

  /** Pluto's `hasconnection`: a reusable socket, idle or busy, exists for the remote's origin. */
  hasConnection(remote: string | URL, options: { tls?: TlsOptions } = {}): boolean {
    const id = originIdOf(remoteToUrl(remote), options.tls ?? this.#options.tls);
    return this.#registry.get(id.key)?.hasConnection() ?? false;
  }

  /**
   * Open a socket to `remote` through its origin actor's connector (DNS, destination policy,
   * TLS settings, proxy) for a caller that speaks HTTP on it itself; the actor counts it in its
   * snapshot and `hasConnection` until `release()` or the socket closes.
   */
  adoptSocket(remote: string | URL, options: { tls?: TlsOptions; connectTimeoutMs?: number; preferIpv6?: boolean } = {}): Promise<AdoptedSocket> {
    if (this.#closing) return Promise.reject(new CourierError('CLIENT_CLOSED', 'the client is closed'));
    const tls = options.tls ?? this.#options.tls;
    let actor: OriginActor;
    try {
      actor = this.#registry.acquire(originIdOf(remoteToUrl(remote), tls), tls);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return actor.adoptSocket(options.preferIpv6 ?? actor.policy.preferIpv6, options.connectTimeoutMs ?? actor.policy.connectTimeoutMs).catch((err: unknown) => {
      if (isCourierError(err) && err.code === 'BLOCKED_DESTINATION') this.#registry.dropUnused(actor);
      throw err;
    });
  }

  /** The socket child actors of one origin's actor(s) and their states (the dashboard's inspector). */
  originSockets(remote: string | URL): Array<SocketState & { key: string }> {
    const id = originIdOf(remoteToUrl(remote), undefined);
    return [...this.#registry.byOrigin(id.origin)].flatMap((a) => a.socketStates().map((s) => ({ ...s, key: a.id.key })));
  }

  /** A snapshot per origin actor. */
  origins(): OriginSnapshot[] {
    return this.#registry.snapshots();
  }

  /** The snapshot of one origin's actor(s), whatever their TLS settings. */
  origin(remote: string | URL): OriginSnapshot[] {
    const id = originIdOf(remoteToUrl(remote), undefined);
    return [...this.#registry.byOrigin(id.origin)].map((a) => a.snapshot());
  }

  /**
   * Follow the state-chart transitions of one origin's actor(s) (the dashboard's inspector).
   * Nothing is recorded while nobody watches. Returns the unsubscribe function; a remote with no
   * actor yet returns a no-op (watch again once it has one).
   */
  watchOrigin(remote: string | URL, listener: (t: OriginTransition & { key: string }) => void): () => void {
    const actors = [...this.#registry.byOrigin(originIdOf(remoteToUrl(remote), undefined).origin)];
    const offs = actors.map((a) => a.watch((t) => listener({ ...t, key: a.id.key })));
    return () => offs.forEach((off) => off());
  }

  /**
   * Stop making sockets reusable, close idle ones, and resolve once the requests in flight at
   * the call have finished (all origins, or the one named). New requests run meanwhile on
   * one-off sockets; afterwards sockets are reusable again.
   */
  async closeConnections(remote?: string | URL): Promise<void> {
    const actors = remote === undefined
      ? this.#registry.actors()
      : [...this.#registry.byOrigin(originIdOf(remoteToUrl(remote), undefined).origin)];
    await Promise.all(actors.map((a) => a.closeConnections()));
  }

  /** Drain for good: in-flight requests finish, new ones fail with `CLIENT_CLOSED`. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#registry.actors().map((a) => a.close())).then(() => undefined);
    return this.#closing;
  }

  /** Abort everything in flight and close every socket now. */
  async destroy(): Promise<void> {
    this.#closing ??= Promise.resolve();
    for (const actor of this.#registry.actors()) actor.destroy();
  }
}

export function createClient(options?: ClientOptions): Client {
  return new Client(options);
}
