import net from 'node:net';
import tls from 'node:tls';
import type { LookupFunction } from 'node:net';
import type { Connector } from './connector.ts';
import { resolveAllowed } from './destination-check.ts';
import { CourierError } from './errors.ts';
import { trustedCa } from './trusted-ca.ts';
import type { AllowAddress, TlsOptions } from './types.ts';

/** Outbound proxy settings. The proxy is reached with CONNECT, for http and https targets alike. */
export interface ProxyOptions {
  /** Proxy for http targets, e.g. `http://user:pass@proxy.internal:3128`. */
  http?: string;
  /** Proxy for https targets. */
  https?: string;
  /** Comma-separated hosts, domains (`.example.com`), `host:port` or `*` that bypass the proxy. */
  noProxy?: string;
}

/** `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` (either case), as curl reads them. */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxyOptions | undefined {
  const http = env.HTTP_PROXY ?? env.http_proxy;
  const https = env.HTTPS_PROXY ?? env.https_proxy;
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (!http && !https) return undefined;
  return { ...(http ? { http } : {}), ...(https ? { https } : {}), ...(noProxy ? { noProxy } : {}) };
}

function bypasses(noProxy: string | undefined, hostname: string, port: number): boolean {
  if (!noProxy) return false;
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [h, p] = entry.startsWith('[') ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]] : entry.split(':');
    if (p && Number(p) !== port) continue;
    const name = (h ?? '').replace(/^\*?\./, '.');
    if (host === name.replace(/^\./, '') || (name.startsWith('.') && host.endsWith(name))) return true;
  }
  return false;
}

/** The proxy URL for an origin, or null to connect directly. */
export function proxyFor(options: ProxyOptions | undefined, protocol: 'http:' | 'https:', hostname: string, port: number): URL | null {
  if (!options) return null;
  const raw = protocol === 'https:' ? options.https : options.http;
  if (!raw || bypasses(options.noProxy, hostname, port)) return null;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url;
  } catch {
    throw new CourierError('BAD_OPTION', `proxy URL for ${protocol.slice(0, -1)} is not an http(s) URL`);
  }
}

/** The destination policy as the proxy connector applies it to targets. */
export interface ProxyTargetCheck {
  allow: AllowAddress;
  lookup: LookupFunction | undefined;
  preferIpv6: boolean;
}

function authorityOf(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Connects through an HTTP proxy with CONNECT, then (for https targets) starts TLS to the target
 * over the tunnel with the client's TLS settings. Written here rather than using undici's
 * ProxyAgent because each origin actor owns one undici Client per socket, and a connector is
 * the one place a Client lets us change how its socket is made.
 *
 * With `check`, a target host name is resolved here and the proxy is asked for an address the
 * policy allowed, never for the name: a proxy that resolved the name itself could reach what
 * the policy refuses (a name for 127.0.0.1). The name stays the request's `Host` (undici sends
 * the origin's) and the TLS server name, so certificates are verified against it.
 */
export function createProxyConnector(proxy: URL, targetTls: TlsOptions | undefined, timeoutMs: number, check?: ProxyTargetCheck): Connector {
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    let authority = authorityOf(host, port);
    let socket: net.Socket | null = null;
    let settled = false;
    const done = (err: Error | null, result: net.Socket | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) result?.destroy();
      callback(err, result as never);
    };
    const timer = setTimeout(() => done(new CourierError('CONNECT_TIMEOUT', `proxy tunnel to ${authority} not up within ${timeoutMs} ms`), socket), timeoutMs);

    const tunnel = (target: string) => {
      authority = authorityOf(target, port);
      const s: net.Socket =
        proxy.protocol === 'https:'
          ? tls.connect({ host: proxy.hostname, port: proxyPort, servername: proxy.hostname })
          : net.connect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort });
      socket = s;
      s.once('error', (err) => done(err, s));
      s.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16 * 1024) done(new CourierError('PROXY_ERROR', 'proxy response head too large'), s);
          return;
        }
        s.off('data', onData);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1]);
        if (status !== 200) {
          done(new CourierError('PROXY_ERROR', `proxy refused CONNECT ${authority}: ${Number.isFinite(status) ? status : 'malformed answer'}`, { status }), s);
          return;
        }
        const rest = head.subarray(end + 4);
        if (rest.length > 0) s.unshift(rest);
        s.removeAllListeners('error');
        if (options.protocol !== 'https:') {
          done(null, s);
          return;
        }
        const t = targetTls ?? {};
        const secure = tls.connect({
          socket: s,
          // The name the caller asked for, not the address tunnelled to.
          servername: t.servername ?? (net.isIP(host) ? undefined : host),
          ca: trustedCa(t.ca),
          cert: t.cert,
          key: t.key,
          passphrase: t.passphrase,
          rejectUnauthorized: t.rejectUnauthorized !== false,
          ALPNProtocols: ['http/1.1'],
        } as tls.ConnectionOptions);
        secure.once('secureConnect', () => {
          secure.removeAllListeners('error');
          done(null, secure);
        });
        secure.once('error', (err) => done(err, secure));
      };
      s.on('data', onData);
    };

    // An IP literal is checked by the connector's guard; without a policy the proxy resolves.
    if (!check || net.isIP(host) !== 0) {
      tunnel(host);
      return;
    }
    resolveAllowed(host, { lookup: check.lookup, allow: check.allow, preferIpv6: check.preferIpv6 }, (err, addresses) => {
      if (settled) return;
      if (err) {
        done(err, null);
        return;
      }
      // One tunnel, to the first allowed address in the preferred family (no happy eyeballs
      // through a proxy: it would take one CONNECT per family).
      tunnel(addresses[0]!.address);
    });
  };
}
