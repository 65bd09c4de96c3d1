/**
 * The exit codes of every `courier` command, in one table: 0–3 mean the same in every command;
 * `fetch` tells a failed transfer apart further (4–8) by the CourierError code of the failure,
 * grouped by what a script would do next.
 *
 * | exit | meaning | codes |
 * |---|---|---|
 * | 0 | done (the job completed, the file is in place and verified, the server started) | — |
 * | 1 | a job or transfer failed, or anything not below (a conflict, a bug) | `INTERNAL`, `CONFLICT`, `NOT_FOUND`, … |
 * | 2 | bad command line or configuration: fix it, retrying will not help | `BAD_URL`, `BAD_OPTION`, `UNSUPPORTED_SCHEME`, `BAD_HEADER`, `BAD_BODY`, `BAD_JOB`, `UNAUTHORIZED` (set `COURIER_TOKEN`), commander's usage errors, a bad variable |
 * | 3 | the Courier server (or its queue) can't be reached | `SERVER_UNREACHABLE`, `QUEUE_UNAVAILABLE` |
 * | 4 | fetch: wrong size or SHA-256: nothing was written at FILE | `CHECKSUM_MISMATCH` |
 * | 5 | fetch: network or origin trouble, worth retrying later (the part is kept) | `CONNECT_*`, `DNS_*`, `TLS_ERROR`, `*_TIMEOUT`, `CLOSED_PREMATURELY`, `CONNECTION_RESET`, `PROTOCOL_ERROR`, redirects, `BLOCKED_DESTINATION` |
 * | 6 | fetch: local disk or path: FILE cannot be written | `DISK_ERROR`, `BAD_PATH` |
 * | 7 | fetch: the file changed on the origin again and again during the download | `RESOURCE_CHANGED` |
 * | 8 | fetch: the origin answered outside 2xx (the status is printed) | `HTTP_STATUS` |
 * | 130 / 143 | stopped by SIGINT (Ctrl-C) / SIGTERM (fetch: `FILE.part` is kept, run the same command to resume) | `ABORTED` |
 */
export const exitCodes = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  checksum: 4,
  network: 5,
  disk: 6,
  changed: 7,
  httpStatus: 8,
  sigint: 130,
  sigterm: 143,
});

/** The table above as help text, shown after every command's `--help`. */
export const exitCodesHelp = `
Exit codes: 0 done; 1 a job or transfer failed; 2 bad command line or configuration;
3 the Courier server (or its queue) can't be reached.`;

/** The CLI's own code for a server that does not answer at all (no HTTP status). */
export const serverUnreachable = 'SERVER_UNREACHABLE';

const byCode: Record<string, number> = {
  BAD_URL: exitCodes.usage,
  BAD_OPTION: exitCodes.usage,
  UNSUPPORTED_SCHEME: exitCodes.usage,
  BAD_HEADER: exitCodes.usage,
  BAD_BODY: exitCodes.usage,
  BAD_JOB: exitCodes.usage,
  UNAUTHORIZED: exitCodes.usage,
  [serverUnreachable]: exitCodes.unreachable,
  QUEUE_UNAVAILABLE: exitCodes.unreachable,
  HTTP_STATUS: exitCodes.httpStatus,
  CHECKSUM_MISMATCH: exitCodes.checksum,
  DISK_ERROR: exitCodes.disk,
  BAD_PATH: exitCodes.disk,
  RESOURCE_CHANGED: exitCodes.changed,
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

/**
 * The exit code for a failure with this code (a CourierError's of a transfer, or an API error's
 * of a server answer; see the table above).
 */
export function exitCodeFor(code: string): number {
  if (code in byCode) return byCode[code]!;
  if (networkCodes.has(code) || code.startsWith('DNS_') || code.startsWith('CONNECT_')) return exitCodes.network;
  return exitCodes.failed;
}
