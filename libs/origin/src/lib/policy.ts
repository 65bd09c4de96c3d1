import { CourierError } from './errors.ts';

/**
 * Per-origin policy. Every field has a default (`defaultPolicy`) and can be overridden for all
 * origins of a client, and again per origin pattern (`ClientOptions.origins`).
 */
export interface OriginPolicy {
  /** Most sockets open at once to this origin (reusable and one-off together). */
  connections: number;
  /** Requests written on one socket before its first response arrives; 1 disables pipelining. */
  pipelining: number;
  /** How long an idle keep-alive socket stays open, in milliseconds (a server `Keep-Alive: timeout` hint may shorten it). 0 = no timeout. */
  keepAliveTimeoutMs: number;
  /** Time allowed for the TCP (and TLS) connect, in milliseconds. */
  connectTimeoutMs: number;
  /** Time allowed from sending the request to a complete response head, in milliseconds. 0 disables. */
  headersTimeoutMs: number;
  /** Longest pause between two body chunks, in milliseconds. 0 disables. */
  bodyTimeoutMs: number;
  /** Whole exchange, from dispatch to the last body byte, in milliseconds. 0 disables. */
  totalTimeoutMs: number;
  /** Redirects followed before `TOO_MANY_REDIRECTS`; 0 returns 3xx responses as they are. */
  maxRedirects: number;
  /** Follow a redirect from https to http (refused with `REDIRECT_REFUSED` by default). */
  allowInsecureRedirects: boolean;
  /** Largest response body in bytes; 0 = no limit. */
  maxResponseBytes: number;
  /** Largest response head in bytes. */
  maxHeaderBytes: number;
  /** Retry once on a fresh socket when a reused socket turns out closed before any response byte. */
  retryStaleSocket: boolean;
  /**
   * Pluto's pool: while the single reusable socket is still connecting, a concurrent request
   * opens a one-off socket instead of waiting (closed after its request).
   */
  oneOffWhileConnecting: boolean;
  /**
   * Write request heads as Pluto does: `Host`, the first header, `Connection`, the other
   * headers, `Content-Length`, with those capitals (undici writes `host`, `connection` and
   * `content-length` itself, in lower case, the first two before any header).
   */
  plutoRequestHead: boolean;
  /** Try IPv6 addresses first when a name resolves to both families. */
  preferIpv6: boolean;
  /** Evict the origin actor after it has had no socket and no request for this long, in milliseconds. 0 = never. */
  idleEvictionMs: number;
  /** Consecutive connect failures that open the circuit (`backoff` state). 0 disables the circuit. */
  circuitThreshold: number;
  /** How long the circuit stays open after it trips, in milliseconds (doubles on each trip, capped at 60 s). */
  circuitCooldownMs: number;
  /** Requests waiting for a socket before new ones fail with `QUEUE_FULL`. 0 = no limit. */
  maxQueued: number;
}

export const defaultPolicy: Readonly<OriginPolicy> = Object.freeze({
  connections: 16,
  pipelining: 1,
  keepAliveTimeoutMs: 4_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  totalTimeoutMs: 0,
  maxRedirects: 10,
  allowInsecureRedirects: false,
  maxResponseBytes: 0,
  maxHeaderBytes: 16 * 1024,
  retryStaleSocket: true,
  oneOffWhileConnecting: false,
  plutoRequestHead: false,
  preferIpv6: false,
  idleEvictionMs: 30_000,
  circuitThreshold: 5,
  circuitCooldownMs: 1_000,
  maxQueued: 0,
});

/**
 * Pluto's keep-alive pool (reference §4): one keep-alive socket per (host, port, TLS), requests
 * queue on it without a limit, simultaneous first requests take one-off sockets, no idle
 * timeout on the socket nor the actor, 3 s connect and 30 s overall limits, no redirects.
 */
export const plutoPolicy: Readonly<Partial<OriginPolicy>> = Object.freeze({
  connections: 1,
  pipelining: 1,
  keepAliveTimeoutMs: 0,
  connectTimeoutMs: 3_000,
  headersTimeoutMs: 0,
  bodyTimeoutMs: 0,
  totalTimeoutMs: 30_000,
  maxRedirects: 0,
  retryStaleSocket: true,
  oneOffWhileConnecting: true,
  plutoRequestHead: true,
  idleEvictionMs: 0,
  circuitThreshold: 0,
});

/** A pattern names origins: `*` (all), `https://api.example.com`, `*.example.com`, `127.0.0.1:*`, `http://*:8080`. */
export interface OriginPolicyOverride {
  match: string;
  policy: Partial<OriginPolicy>;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Compiled overrides: the later a matching pattern, the higher its priority. */
export class PolicyResolver {
  readonly #base: OriginPolicy;
  readonly #overrides: Array<{ test: (origin: string, hostPort: string) => boolean; policy: Partial<OriginPolicy> }>;

  constructor(base: Partial<OriginPolicy> = {}, overrides: readonly OriginPolicyOverride[] = []) {
    this.#base = { ...defaultPolicy, ...stripUndefined(base) };
    validatePolicy(this.#base);
    this.#overrides = overrides.map(({ match, policy }) => {
      const re = globToRegExp(match);
      const hasScheme = match.includes('://');
      return { test: (origin, hostPort) => re.test(hasScheme ? origin : hostPort) || re.test(hostPort.split(':')[0] ?? ''), policy };
    });
  }

  /** `origin` is `scheme://host:port` with the port always present. */
  resolve(origin: string, extra?: Partial<OriginPolicy>): OriginPolicy {
    if (this.#overrides.length === 0 && !extra) return this.#base;
    const hostPort = origin.slice(origin.indexOf('://') + 3);
    let policy = this.#base;
    for (const o of this.#overrides) if (o.test(origin, hostPort)) policy = { ...policy, ...stripUndefined(o.policy) };
    if (extra) policy = { ...policy, ...stripUndefined(extra) };
    if (policy !== this.#base) validatePolicy(policy);
    return policy;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function validatePolicy(p: OriginPolicy): void {
  const positive: Array<keyof OriginPolicy> = ['connections', 'pipelining', 'connectTimeoutMs', 'maxHeaderBytes'];
  for (const k of positive) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new CourierError('BAD_OPTION', `policy.${k} must be a positive integer, got ${String(v)}`);
  }
  const nonNegative: Array<keyof OriginPolicy> = [
    'keepAliveTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'totalTimeoutMs', 'maxRedirects',
    'maxResponseBytes', 'idleEvictionMs', 'circuitThreshold', 'circuitCooldownMs', 'maxQueued',
  ];
  for (const k of nonNegative) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CourierError('BAD_OPTION', `policy.${k} must be a number ≥ 0, got ${String(v)}`);
  }
}
