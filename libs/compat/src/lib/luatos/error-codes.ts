import { isCourierError, type ErrorCode } from '@courier/origin';

/** LuatOS `luat_http.h` result codes (C.6). */
export const LuatosCode = {
  /** HTTP_ERROR_STATE: never a result code in the Lua path; here only for a Courier bug (INTERNAL). */
  STATE: -1,
  /** HTTP_ERROR_CONNECT: bad arguments, DNS, TCP or TLS connect failure. */
  CONNECT: -4,
  /** HTTP_ERROR_CLOSE: the peer closed (or reset) before the response was complete. */
  CLOSE: -5,
  /** HTTP_ERROR_RX: receiving failed; the response head did not fit in the receive buffer. */
  RX: -6,
  /** HTTP_ERROR_DOWNLOAD: the `dst` file could not be written; out of memory for the body. */
  DOWNLOAD: -7,
  /** HTTP_ERROR_TIMEOUT: the total `timeout` expired. */
  TIMEOUT: -8,
  /** HTTP_ERROR_FOTA: firmware update failed (never here: this is a build without FOTA). */
  FOTA: -9,
} as const;

/**
 * Every Courier error code → LuatOS code. A `Record` over the whole union: a new error code
 * breaks the build here until someone decides what LuatOS shows for it.
 */
export const codeByErrorCode: Readonly<Record<ErrorCode, number>> = {
  BAD_URL: LuatosCode.CONNECT,
  BAD_HEADER: LuatosCode.CONNECT,
  BAD_METHOD: LuatosCode.CONNECT,
  BAD_BODY: LuatosCode.CONNECT,
  BAD_OPTION: LuatosCode.CONNECT,
  UNSUPPORTED_SCHEME: LuatosCode.CONNECT,
  DNS_NO_RESULTS: LuatosCode.CONNECT,
  DNS_TIMEOUT: LuatosCode.CONNECT,
  CONNECT_REFUSED: LuatosCode.CONNECT,
  // The only LuatOS timer is the total deadline: "timeouts, including connection timeouts" are -8.
  CONNECT_TIMEOUT: LuatosCode.TIMEOUT,
  TLS_ERROR: LuatosCode.CONNECT,
  HEADERS_TIMEOUT: LuatosCode.TIMEOUT,
  BODY_TIMEOUT: LuatosCode.TIMEOUT,
  TOTAL_TIMEOUT: LuatosCode.TIMEOUT,
  CLOSED_PREMATURELY: LuatosCode.CLOSE,
  CONNECTION_RESET: LuatosCode.CLOSE,
  // LuatOS reports a parser error as the close that follows it.
  PROTOCOL_ERROR: LuatosCode.CLOSE,
  HEADERS_TOO_LARGE: LuatosCode.RX,
  BODY_TOO_LARGE: LuatosCode.DOWNLOAD,
  TOO_MANY_REDIRECTS: LuatosCode.CONNECT,
  REDIRECT_REFUSED: LuatosCode.CONNECT,
  BLOCKED_DESTINATION: LuatosCode.CONNECT,
  PROXY_ERROR: LuatosCode.CONNECT,
  CIRCUIT_OPEN: LuatosCode.CONNECT,
  TOO_MANY_ORIGINS: LuatosCode.CONNECT,
  CLIENT_CLOSED: LuatosCode.CONNECT,
  ABORTED: LuatosCode.CLOSE,
  BODY_USED: LuatosCode.STATE,
  CHECKSUM_MISMATCH: LuatosCode.DOWNLOAD,
  DISK_ERROR: LuatosCode.DOWNLOAD,
  BAD_PATH: LuatosCode.DOWNLOAD,
  RESOURCE_CHANGED: LuatosCode.DOWNLOAD,
  HTTP_STATUS: LuatosCode.DOWNLOAD,
  QUEUE_UNAVAILABLE: LuatosCode.CONNECT,
  QUEUE_FULL: LuatosCode.CONNECT,
  CONFLICT: LuatosCode.DOWNLOAD,
  BAD_JOB: LuatosCode.CONNECT,
  NOT_FOUND: LuatosCode.CONNECT,
  UNAUTHORIZED: LuatosCode.CONNECT,
  INTERNAL: LuatosCode.STATE,
};

/** The LuatOS code for whatever a request threw. */
export function codeForError(error: unknown): number {
  return isCourierError(error) ? codeByErrorCode[error.code] : LuatosCode.STATE;
}
