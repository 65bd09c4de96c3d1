import { CourierError, isCourierError, type ErrorCode } from './errors.ts';

/**
 * undici and node:net/node:tls error codes → Courier codes. Anything not listed here is an
 * internal error worth a bug report, but is still a CourierError so callers can match on `.code`.
 */
const byCode: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: 'CONNECT_REFUSED',
  UND_ERR_CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  ETIMEDOUT: 'CONNECT_TIMEOUT',
  ENETUNREACH: 'CONNECT_REFUSED',
  EHOSTUNREACH: 'CONNECT_REFUSED',
  EADDRNOTAVAIL: 'CONNECT_REFUSED',
  ENOTFOUND: 'DNS_NO_RESULTS',
  ENODATA: 'DNS_NO_RESULTS',
  EAI_FAIL: 'DNS_NO_RESULTS',
  EAI_AGAIN: 'DNS_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'HEADERS_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'BODY_TIMEOUT',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  UND_ERR_SOCKET: 'CLOSED_PREMATURELY',
  UND_ERR_CLOSED: 'CLOSED_PREMATURELY',
  UND_ERR_HEADERS_OVERFLOW: 'HEADERS_TOO_LARGE',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'BODY_TOO_LARGE',
  UND_ERR_ABORTED: 'ABORTED',
  UND_ERR_DESTROYED: 'ABORTED',
  ABORT_ERR: 'ABORTED',
  UND_ERR_INFO: 'PROTOCOL_ERROR',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'PROTOCOL_ERROR',
  UND_ERR_INVALID_ARG: 'BAD_OPTION',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'BAD_BODY',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'HOSTNAME_MISMATCH'
  );
}

/** Turn whatever undici, node:net or the caller's signal threw into a CourierError. */
export function toCourierError(err: unknown, context = ''): CourierError {
  if (isCourierError(err)) return err;
  const code = codeOf(err);
  // undici wraps a TLS failure during connect in the raw node:tls error; check it first.
  const message = err instanceof Error ? err.message : String(err);
  const where = context ? `${context}: ` : '';
  if (code !== undefined) {
    const mapped = byCode[code];
    if (mapped) return new CourierError(mapped, `${where}${message}`, { cause: err });
    // llhttp parser errors: malformed status line, broken chunking, conflicting lengths.
    if (code.startsWith('HPE_')) {
      if (code === 'HPE_HEADER_OVERFLOW') return new CourierError('HEADERS_TOO_LARGE', `${where}${message}`, { cause: err });
      return new CourierError('PROTOCOL_ERROR', `${where}${message} (${code})`, { cause: err });
    }
    if (isTlsCode(code)) return new CourierError('TLS_ERROR', `${where}${message} (${code})`, { cause: err });
  }
  // llhttp errors without a code (invalid status code, invalid chunk size) carry only a name.
  if (err instanceof Error && err.name === 'HTTPParserError') {
    return new CourierError('PROTOCOL_ERROR', `${where}${message}`, { cause: err });
  }
  if (err instanceof Error && err.name === 'AbortError') {
    const reason = (err as { cause?: unknown }).cause;
    if (isCourierError(reason)) return reason;
    return new CourierError('ABORTED', `${where}${message}`, { cause: err });
  }
  // A cause chain (for example an AggregateError from happy eyeballs) may hold the real code.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause && cause !== err) {
    const inner = toCourierError(cause, context);
    if (inner.code !== 'INTERNAL') return inner;
  }
  if (err instanceof AggregateError && err.errors.length > 0) {
    return toCourierError(err.errors[0], context);
  }
  return new CourierError('INTERNAL', `${where}${message}`, { cause: err });
}
