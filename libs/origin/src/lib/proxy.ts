import net from 'node:net';
import tls from 'node:tls';
import { CourierError } from './errors.ts';
import type { Connector } from './connector.ts';
import { trustedCa } from './trusted-ca.ts';
import type { TlsOptions } from './types.ts';

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

/**
 * Connects through an HTTP proxy with CONNECT, then (for https targets) starts TLS to the target
 * over the tunnel with the client's TLS settings. Written here rather than using undici's
 * ProxyAgent because each origin actor owns one undici Client per socket, and a connector is
 * the one place a Client lets us change how its socket is made.
 */
export function createProxyConnector(proxy: URL, targetTls: TlsOptions | undefined, timeoutMs: number): Connector {
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    let settled = false;
    const done = (err: Error | null, socket: net.Socket | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) socket?.destroy();
      callback(err, socket as never);
    };
    const socket: net.Socket =
      proxy.protocol === 'https:'
        ? tls.connect({ host: proxy.hostname, port: proxyPort, servername: proxy.hostname })
        : net.connect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort });
    const timer = setTimeout(() => done(new CourierError('CONNECT_TIMEOUT', `proxy tunnel to ${authority} not up within ${timeoutMs} ms`), socket), timeoutMs);
    socket.once('error', (err) => done(err, socket));
    socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16 * 1024) done(new CourierError('PROXY_ERROR', 'proxy response head too large'), socket);
        return;
      }
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1]);
      if (status !== 200) {
        done(new CourierError('PROXY_ERROR', `proxy refused CONNECT ${authority}: ${Number.isFinite(status) ? status : 'malformed answer'}`, { status }), socket);
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      socket.removeAllListeners('error');
      if (options.protocol !== 'https:') {
        done(null, socket);
        return;
      }
      const t = targetTls ?? {};
      const secure = tls.connect({
        socket,
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
    socket.on('data', onData);
  };
}
