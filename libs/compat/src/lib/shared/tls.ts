import type { TlsOptions } from '@courier/origin';

export interface TlsMaterial {
  /** Extra CA certificates (PEM), trusted on top of the system's. */
  ca?: string | Buffer | undefined;
  /** Client certificate (PEM) for mutual TLS. */
  cert?: string | Buffer | undefined;
  /** Client private key (PEM). */
  key?: string | Buffer | undefined;
  /** Passphrase of `key`. */
  passphrase?: string | undefined;
  /** False turns verification off (Eryx's `verifySsl = false`, and nothing else). */
  verify?: boolean;
}

// The same settings give the same object: origin tags TLS settings per object (a WeakMap), so a
// facade that hands out one object per setting hashes each setting once, not on every request.
const MEMO_LIMIT = 64;
const memo = new Map<string, TlsOptions>();

function text(v: string | Buffer | undefined): string {
  return v === undefined ? '\0' : typeof v === 'string' ? v : v.toString('latin1');
}

/**
 * Origin TLS options for a facade's material. A `ca` is passed as it is: origin trusts it on top
 * of the system CAs (node alone would replace them).
 */
export function tlsOptionsOf(material: TlsMaterial): TlsOptions {
  const id = [text(material.ca), text(material.cert), text(material.key), material.passphrase ?? '\0', material.verify === false ? 'n' : 'y'].join('\x01');
  const known = memo.get(id);
  if (known) return known;
  const tls: TlsOptions = {};
  if (material.ca !== undefined) tls.ca = material.ca;
  if (material.cert !== undefined) tls.cert = material.cert;
  if (material.key !== undefined) tls.key = material.key;
  if (material.passphrase !== undefined) tls.passphrase = material.passphrase;
  if (material.verify === false) tls.rejectUnauthorized = false;
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(id, tls);
  return tls;
}
