import { isCourierError, type ErrorCode } from '@courier/origin';

/**
 * Pluto's failure reasons (reference §1.6) for each Courier error code. A `Record` over every
 * code, so a code added to the core breaks the build until it is mapped here. Codes that a
 * request cannot produce get the nearest reason.
 */
export const plutoReasons: Readonly<Record<ErrorCode, string>> = Object.freeze({
  // A URL Soup could parse but not reach fails on the network; ours fails before it.
  BAD_URL: 'DNS Query Yielded No Results',
  UNSUPPORTED_SCHEME: 'DNS Query Yielded No Results',
  BAD_HEADER: 'Protocol Error',
  BAD_METHOD: 'Protocol Error',
  BAD_BODY: 'Protocol Error',
  BAD_OPTION: 'Protocol Error',
  DNS_NO_RESULTS: 'DNS Query Yielded No Results',
  // Soup's naming: "Got No Response" is the lookup that answered without usable records.
  DNS_TIMEOUT: 'DNS Query Got No Response',
  CONNECT_REFUSED: 'TCP Handshake Failed',
  CONNECT_TIMEOUT: 'TCP Handshake Timed Out',
  TLS_ERROR: 'TLS protocol error',
  HEADERS_TIMEOUT: 'Request Timed Out',
  BODY_TIMEOUT: 'Request Timed Out',
  TOTAL_TIMEOUT: 'Request Timed Out',
  CLOSED_PREMATURELY: 'Connection Closed Prematurely',
  CONNECTION_RESET: 'Connection Closed Prematurely',
  PROTOCOL_ERROR: 'Protocol Error',
  HEADERS_TOO_LARGE: 'Protocol Error',
  BODY_TOO_LARGE: 'Protocol Error',
  TOO_MANY_REDIRECTS: 'Protocol Error',
  REDIRECT_REFUSED: 'Protocol Error',
  BLOCKED_DESTINATION: 'TCP Handshake Failed',
  CIRCUIT_OPEN: 'TCP Handshake Failed',
  TOO_MANY_ORIGINS: 'TCP Handshake Failed',
  // Pluto has no proxy support; a tunnel that cannot be opened is a connect that failed.
  PROXY_ERROR: 'TCP Handshake Failed',
  CLIENT_CLOSED: 'Connection Closed Prematurely',
  ABORTED: 'Connection Closed Prematurely',
  BODY_USED: 'Protocol Error',
  CHECKSUM_MISMATCH: 'Protocol Error',
  DISK_ERROR: 'Protocol Error',
  BAD_PATH: 'Protocol Error',
  RESOURCE_CHANGED: 'Protocol Error',
  HTTP_STATUS: 'Protocol Error',
  QUEUE_UNAVAILABLE: 'Connection Closed Prematurely',
  QUEUE_FULL: 'Connection Closed Prematurely',
  CONFLICT: 'Protocol Error',
  BAD_JOB: 'Protocol Error',
  NOT_FOUND: 'Protocol Error',
  UNAUTHORIZED: 'Protocol Error',
  INTERNAL: 'Protocol Error',
});

/** The reason string for whatever a request failed with. */
export function plutoReason(error: unknown): string {
  if (isCourierError(error)) return plutoReasons[error.code];
  return 'Protocol Error';
}
