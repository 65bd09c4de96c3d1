import { originIdOf, type Client, type TlsOptions } from '@courier/origin';

/**
 * Whether the client holds a reusable socket for this URL's origin actor. Without per-request
 * TLS the client's own settings pick the actor, which `hasConnection` looks up; with them the
 * actor's key is computed and found among the origin's snapshots.
 */
export function hasReusableSocket(client: Client, url: URL, tls: TlsOptions | undefined): boolean {
  if (tls === undefined || url.protocol !== 'https:') return client.hasConnection(url);
  const key = originIdOf(url, tls).key;
  return client.origin(url).some((s) => s.key === key && s.sockets.reusable > 0);
}
