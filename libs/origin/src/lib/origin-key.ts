import { createHash } from 'node:crypto';
import { CourierError } from './errors.ts';
import { parseUrl } from './validate.ts';
import type { TlsOptions } from './types.ts';

export interface OriginId {
  /** `scheme://host:port`, port always present, host lower-cased (IPv6 in brackets). */
  origin: string;
  /** `origin` plus `#tls=<hash>` when non-default TLS settings apply (https only). */
  key: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

const tlsTags = new WeakMap<TlsOptions, string>();

/** A short, stable tag for TLS settings: same settings → same actor, different → different. */
export function tlsTag(tls: TlsOptions | undefined): string {
  if (!tls) return '';
  let tag = tlsTags.get(tls);
  if (tag === undefined) {
    const h = createHash('sha256');
    const part = (v: unknown) => h.update(v === undefined ? '\0' : Array.isArray(v) ? v.map(String).join('\n') : String(v)).update('\x01');
    part(tls.ca);
    part(tls.cert);
    part(tls.key);
    part(tls.passphrase);
    part(tls.rejectUnauthorized === false ? 'noverify' : 'verify');
    part(tls.servername);
    tag = h.digest('base64url').slice(0, 12);
    tlsTags.set(tls, tag);
  }
  return tag;
}

export function originIdOf(url: URL, tls: TlsOptions | undefined): OriginId {
  const protocol = url.protocol as 'http:' | 'https:';
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  // URL already lower-cases the host of special schemes; IPv6 hosts keep their brackets.
  const hostname = url.hostname;
  const origin = `${protocol}//${hostname}:${port}`;
  const tag = protocol === 'https:' ? tlsTag(tls) : '';
  return { origin, key: tag ? `${origin}#tls=${tag}` : origin, protocol, hostname, port };
}

/** `scheme://authority` prefixes of URLs → their origin; bounded (see originOf). */
const originByPrefix = new Map<string, string>();
const ORIGIN_CACHE_LIMIT = 10_000;

/**
 * The `scheme://host:port` origin of a URL (as `OriginId.origin` spells it), for code that meets
 * the same few origins per job or per request (queue limits, the fleet transport): cached by the
 * URL's text up to the first `/` after `://`, a prefix that holds the whole scheme and authority
 * (path, query and fragment have no say in the origin), so each origin is parsed once. Throws
 * like `parseUrl` when the scheme or authority is bad; the rest of the URL is not checked here.
 */
export function originOf(url: string): string {
  const authorityAt = url.indexOf('://');
  const end = authorityAt < 0 ? -1 : url.indexOf('/', authorityAt + 3);
  // No path, or an empty authority (`http:///host`, which URL parsing reads leniently): no cache.
  if (end <= authorityAt + 3) return originIdOf(parseUrl(url), undefined).origin;
  const prefix = url.slice(0, end);
  let origin = originByPrefix.get(prefix);
  if (origin === undefined) {
    origin = originIdOf(parseUrl(prefix), undefined).origin;
    // Bounded: a process meets a bounded number of origins, but don't trust it.
    if (originByPrefix.size >= ORIGIN_CACHE_LIMIT) originByPrefix.clear();
    originByPrefix.set(prefix, origin);
  }
  return origin;
}

/**
 * The key for `hasConnection(remote)`: the path, query and userinfo are ignored. A remote
 * without a scheme is taken as https (Pluto's rule: no scheme means TLS on 443).
 */
export function remoteToUrl(remote: string | URL): URL {
  if (remote instanceof URL) return remote;
  if (typeof remote !== 'string' || remote.length === 0) throw new CourierError('BAD_URL', 'remote must be a non-empty string');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(remote) ? remote : `https://${remote}`;
  return parseUrl(withScheme);
}
