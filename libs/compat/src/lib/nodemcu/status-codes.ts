import { isCourierError, type CourierError, type ErrorCode } from '@courier/origin';

/** The negative `status_code` values of the reference's table (B.6): `-esp_err_t`. */
export const NodeMcuStatus = {
  /** ESP_FAIL: a redirect without a usable Location, a body write failure, anything else. */
  FAIL: -1,
  /** ESP_ERR_NO_MEM */
  NO_MEM: -257,
  /** ESP_ERR_INVALID_ARG */
  INVALID_ARG: -258,
  /** ESP_ERR_INVALID_STATE */
  INVALID_STATE: -259,
  /** ESP_ERR_HTTP_MAX_REDIRECT (0x7001) */
  MAX_REDIRECT: -28673,
  /** ESP_ERR_HTTP_CONNECT: DNS, TCP or TLS connect failure */
  CONNECT: -28674,
  /** ESP_ERR_HTTP_WRITE_DATA: the request could not be written */
  WRITE_DATA: -28675,
  /** ESP_ERR_HTTP_FETCH_HEADER: a read error while waiting for the response head */
  FETCH_HEADER: -28676,
  /** ESP_ERR_HTTP_INVALID_TRANSPORT: neither http nor https */
  INVALID_TRANSPORT: -28677,
  /** ESP_ERR_HTTP_EAGAIN: a socket operation timed out */
  EAGAIN: -28679,
  /** ESP_ERR_HTTP_CONNECTION_CLOSED: FIN before the response was complete */
  CONNECTION_CLOSED: -28680,
} as const;

/**
 * Every Courier error code → NodeMCU status. A `Record` over the whole union: a new error code
 * breaks the build here until someone decides what NodeMCU code shows for it.
 */
export const statusByErrorCode: Readonly<Record<ErrorCode, number>> = {
  BAD_URL: NodeMcuStatus.FAIL,
  BAD_HEADER: NodeMcuStatus.INVALID_ARG,
  BAD_METHOD: NodeMcuStatus.INVALID_ARG,
  BAD_BODY: NodeMcuStatus.FAIL,
  BAD_OPTION: NodeMcuStatus.INVALID_ARG,
  UNSUPPORTED_SCHEME: NodeMcuStatus.INVALID_TRANSPORT,
  DNS_NO_RESULTS: NodeMcuStatus.CONNECT,
  DNS_TIMEOUT: NodeMcuStatus.CONNECT,
  CONNECT_REFUSED: NodeMcuStatus.CONNECT,
  CONNECT_TIMEOUT: NodeMcuStatus.CONNECT,
  TLS_ERROR: NodeMcuStatus.CONNECT,
  HEADERS_TIMEOUT: NodeMcuStatus.EAGAIN,
  BODY_TIMEOUT: NodeMcuStatus.EAGAIN,
  TOTAL_TIMEOUT: NodeMcuStatus.EAGAIN,
  CLOSED_PREMATURELY: NodeMcuStatus.CONNECTION_CLOSED,
  // A reset is usually seen while waiting for the head; one hit while writing is WRITE_DATA (below).
  CONNECTION_RESET: NodeMcuStatus.FETCH_HEADER,
  PROTOCOL_ERROR: NodeMcuStatus.FETCH_HEADER,
  HEADERS_TOO_LARGE: NodeMcuStatus.FETCH_HEADER,
  BODY_TOO_LARGE: NodeMcuStatus.NO_MEM,
  TOO_MANY_REDIRECTS: NodeMcuStatus.MAX_REDIRECT,
  REDIRECT_REFUSED: NodeMcuStatus.FAIL,
  BLOCKED_DESTINATION: NodeMcuStatus.CONNECT,
  PROXY_ERROR: NodeMcuStatus.CONNECT,
  CIRCUIT_OPEN: NodeMcuStatus.CONNECT,
  TOO_MANY_ORIGINS: NodeMcuStatus.NO_MEM,
  CLIENT_CLOSED: NodeMcuStatus.INVALID_STATE,
  ABORTED: NodeMcuStatus.FAIL,
  BODY_USED: NodeMcuStatus.INVALID_STATE,
  CHECKSUM_MISMATCH: NodeMcuStatus.FAIL,
  DISK_ERROR: NodeMcuStatus.FAIL,
  BAD_PATH: NodeMcuStatus.INVALID_ARG,
  RESOURCE_CHANGED: NodeMcuStatus.FAIL,
  HTTP_STATUS: NodeMcuStatus.FAIL,
  QUEUE_UNAVAILABLE: NodeMcuStatus.FAIL,
  QUEUE_FULL: NodeMcuStatus.NO_MEM,
  CONFLICT: NodeMcuStatus.INVALID_STATE,
  BAD_JOB: NodeMcuStatus.INVALID_ARG,
  NOT_FOUND: NodeMcuStatus.FAIL,
  UNAUTHORIZED: NodeMcuStatus.FAIL,
  INTERNAL: NodeMcuStatus.FAIL,
};

function causeCode(error: CourierError): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The NodeMCU status for whatever a request threw. */
export function statusForError(error: unknown): number {
  if (!isCourierError(error)) return NodeMcuStatus.FAIL;
  // EPIPE means the socket broke while the request was still being written.
  if (error.code === 'CONNECTION_RESET' && causeCode(error) === 'EPIPE') return NodeMcuStatus.WRITE_DATA;
  return statusByErrorCode[error.code];
}
