import tls from 'node:tls';
import type { TlsOptions } from './types.ts';

/**
 * Node replaces its bundled CA store when `ca` is given; Courier *adds* a given CA to the
 * system's (Mozilla's bundle), so a private CA never makes public sites untrusted.
 */
export function trustedCa(ca: TlsOptions['ca']): Array<string | Buffer> | undefined {
  if (ca === undefined) return undefined;
  return [...tls.rootCertificates, ...(Array.isArray(ca) ? ca : [ca])];
}
