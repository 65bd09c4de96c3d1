import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import type { OriginPolicy, OriginPolicyOverride } from './policy.ts';
import type { ProxyOptions } from './proxy.ts';

/** TLS settings. Two different settings for one host are two origin actors. */
export interface TlsOptions {
  /** Extra trusted CA certificates (PEM), added to the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM) for mutual TLS. */
  cert?: string | Buffer;
  /** Client private key (PEM) for mutual TLS. */
  key?: string | Buffer;
  /** Passphrase of `key`. */
  passphrase?: string;
  /** Verify the server certificate. Default `true`; turning it off is for tests only. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and verification, when it differs from the URL's host. */
  servername?: string;
}

export type HeaderValue = string | number | readonly string[];
export type HeadersInit = Record<string, HeaderValue | undefined> | ReadonlyArray<readonly [string, string]>;
export type BodyInit = string | Uint8Array | Readable | AsyncIterable<Uint8Array> | null;

export interface RequestInit {
  /** HTTP method token. Default `GET`. `get`, `post`… are upper-cased as fetch does, unless `verbatimMethod`. */
  method?: string;
  /** Send the method exactly as given (Pluto sends `get` as `get`). */
  verbatimMethod?: boolean;
  headers?: HeadersInit;
  body?: BodyInit;
  signal?: AbortSignal;
  /** Open a fresh socket for this request rather than reusing an idle one. */
  dontReuse?: boolean;
  /** Close a newly opened socket after this request instead of keeping it alive. */
  dontMakeReusable?: boolean;
  /** Try IPv6 first when the host resolves to both families. */
  preferIpv6?: boolean;
  /** Redirects to follow for this request (overrides the origin policy; 0 = off). */
  maxRedirects?: number;
  /** Connect timeout for a socket opened for this request, in milliseconds. */
  connectTimeoutMs?: number;
  /** Timeouts for this request, in milliseconds (override the origin policy). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** Largest body accepted for this request, in bytes (0 = no limit). */
  maxResponseBytes?: number;
  /** Retry once on a fresh socket when a reused one turns out closed (default: policy). */
  retryStaleSocket?: boolean;
  /** TLS settings for this request; they become part of the origin key. */
  tls?: TlsOptions;
  /** Follow https → http redirects for this request. */
  allowInsecureRedirects?: boolean;
}

export interface RedirectHop {
  status: number;
  url: string;
  location: string;
  method: string;
}

export interface Timings {
  /** Epoch milliseconds when `request()` was called. */
  startedAt: number;
  /** Milliseconds from start to the response head of the final hop. */
  headersMs: number;
  /** Milliseconds from start to the last body byte, once the body is consumed. */
  totalMs?: number;
}

/**
 * A destination policy: whether `address` (what `host` resolved to, or the IP literal itself)
 * may be connected to.
 */
export interface AllowAddress {
  (address: string, family: 4 | 6, host: string): boolean;
  /** How an operator lets a refused destination through; the `BLOCKED_DESTINATION` message names it. */
  readonly howToAllow?: string;
}

export type ResponseHeaders = Record<string, string | string[]>;

export interface ClientOptions {
  /** Policy for every origin (merged over the defaults). */
  policy?: Partial<OriginPolicy>;
  /** Policy overrides per origin pattern, later entries win. */
  origins?: readonly OriginPolicyOverride[];
  /** TLS settings for every origin of this client. */
  tls?: TlsOptions;
  /**
   * DNS lookup used for every connect, and for names sent through a proxy when `allowAddress`
   * is set (tests make `localhost` dual-stack with it, or map test names to addresses).
   */
  lookup?: LookupFunction;
  /**
   * Decides whether an address may be connected to (after DNS, so DNS rebinding cannot get
   * around it). Return false to refuse with `BLOCKED_DESTINATION`.
   */
  allowAddress?: AllowAddress;
  /**
   * Outbound proxy (CONNECT tunnels); `proxyFromEnv()` reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY.
   * With `allowAddress`, a host name is resolved here (with `lookup`) and the proxy is asked for
   * a checked address, never for the name; without it, the proxy resolves names itself.
   */
  proxy?: ProxyOptions;
  /**
   * Most origin actors alive at once (default 100,000). A new origin beyond it evicts the least
   * recently used idle actor; `TOO_MANY_ORIGINS` only when none is idle.
   */
  maxOrigins?: number;
  /** xstate inspection hook, given to every origin actor (for the dashboard's inspector). */
  inspect?: (event: unknown) => void;
}

export type OriginStateValue = 'idle' | 'connecting' | 'available' | 'active' | 'draining' | 'backoff' | 'closed';

export interface OriginSnapshot {
  /** `scheme://host:port` */
  origin: string;
  /** The actor key: the origin plus a TLS settings tag when it has one. */
  key: string;
  state: OriginStateValue;
  sockets: { connected: number; connecting: number; free: number; busy: number; reusable: number };
  inFlight: number;
  queued: number;
  /** Requests completed (with a response or an error) since the actor started. */
  completed: number;
  failed: number;
  /** Code of the last error, if any. */
  lastError: string | null;
}

/** One transition of an origin actor or of one of its socket children, as the inspector shows it. */
export interface OriginTransition {
  /** Epoch milliseconds. */
  at: number;
  /** `origin` for the origin's chart, else the socket child's id (`socket-12`). */
  actor: string;
  /** The xstate event that caused it (`sockets.changed`, `requests.active`, `redirect.received`, …). */
  event: string;
  from: string;
  to: OriginStateValue | SocketStateValue;
  /** A redirect hand-off (`redirect.handoff` on the origin that answered the 3xx, `redirect.received` on the next hop's). */
  handoff?: { hop: number; from: string; to: string };
}

export type SocketStateValue = 'connecting' | 'open' | 'closing' | 'closed';

/** One socket child actor of an origin, as the inspector shows it. */
export interface SocketState {
  /** The child actor's id (`socket-12`). */
  id: string;
  state: SocketStateValue;
  /** May take later requests (keep-alive). */
  reusable: boolean;
}
