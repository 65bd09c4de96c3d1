/**
 * Exit codes of `courier fetch`, by the CourierError code of the failure (curl has its own
 * table; these are grouped by what a script would do next):
 *
 * | exit | meaning | codes |
 * |---|---|---|
 * | 0 | the file is in place, verified | — |
 * | 1 | anything else (a bug, a conflict) | `INTERNAL`, `CONFLICT`, … |
 * | 2 | bad command line: fix it, retrying will not help | `BAD_URL`, `BAD_OPTION`, `UNSUPPORTED_SCHEME`, commander's usage errors |
 * | 3 | the origin answered outside 2xx (the status is printed) | `HTTP_STATUS` |
 * | 4 | wrong size or SHA-256: nothing was written at FILE | `CHECKSUM_MISMATCH` |
 * | 5 | network or origin trouble: worth retrying later (the part is kept) | `CONNECT_*`, `DNS_*`, `TLS_ERROR`, `*_TIMEOUT`, `CLOSED_PREMATURELY`, `CONNECTION_RESET`, `PROTOCOL_ERROR`, redirects, `BLOCKED_DESTINATION` |
 * | 6 | local disk or path: FILE cannot be written | `DISK_ERROR`, `BAD_PATH` |
 * | 7 | the file changed on the origin again and again during the download | `RESOURCE_CHANGED` |
 * | 130 / 143 | stopped by SIGINT (Ctrl-C) / SIGTERM: `FILE.part` is kept, run the same command to resume | `ABORTED` |
 */
export const fetchExitCodes = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  httpStatus: 3,
  checksum: 4,
  network: 5,
  disk: 6,
  changed: 7,
  sigint: 130,
  sigterm: 143,
});

const byCode: Record<string, number> = {
  BAD_URL: fetchExitCodes.usage,
  BAD_OPTION: fetchExitCodes.usage,
  UNSUPPORTED_SCHEME: fetchExitCodes.usage,
  BAD_HEADER: fetchExitCodes.usage,
  HTTP_STATUS: fetchExitCodes.httpStatus,
  CHECKSUM_MISMATCH: fetchExitCodes.checksum,
  DISK_ERROR: fetchExitCodes.disk,
  BAD_PATH: fetchExitCodes.disk,
  RESOURCE_CHANGED: fetchExitCodes.changed,
};

const networkCodes = new Set([
  'DNS_NO_RESULTS',
  'DNS_TIMEOUT',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'TLS_ERROR',
  'HEADERS_TIMEOUT',
  'BODY_TIMEOUT',
  'TOTAL_TIMEOUT',
  'CLOSED_PREMATURELY',
  'CONNECTION_RESET',
  'PROTOCOL_ERROR',
  'HEADERS_TOO_LARGE',
  'TOO_MANY_REDIRECTS',
  'REDIRECT_REFUSED',
  'BLOCKED_DESTINATION',
]);

/** The exit code for a failure with this CourierError code (see the table above). */
export function exitCodeFor(code: string): number {
  if (code in byCode) return byCode[code]!;
  if (networkCodes.has(code) || code.startsWith('DNS_') || code.startsWith('CONNECT_')) return fetchExitCodes.network;
  return fetchExitCodes.failed;
}
