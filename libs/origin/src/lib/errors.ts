/**
 * One error taxonomy for every layer of Courier. Callers match on `error.code`, never on
 * messages or `instanceof` (two copies of the package may be loaded: the brand below keeps
 * `isCourierError` true across them, as undici does with `Symbol.for`).
 */
export const ErrorCode = {
  BAD_URL: 'BAD_URL',
  BAD_HEADER: 'BAD_HEADER',
  BAD_METHOD: 'BAD_METHOD',
  BAD_BODY: 'BAD_BODY',
  BAD_OPTION: 'BAD_OPTION',
  UNSUPPORTED_SCHEME: 'UNSUPPORTED_SCHEME',
  DNS_NO_RESULTS: 'DNS_NO_RESULTS',
  DNS_TIMEOUT: 'DNS_TIMEOUT',
  CONNECT_REFUSED: 'CONNECT_REFUSED',
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  TLS_ERROR: 'TLS_ERROR',
  HEADERS_TIMEOUT: 'HEADERS_TIMEOUT',
  BODY_TIMEOUT: 'BODY_TIMEOUT',
  TOTAL_TIMEOUT: 'TOTAL_TIMEOUT',
  CLOSED_PREMATURELY: 'CLOSED_PREMATURELY',
  CONNECTION_RESET: 'CONNECTION_RESET',
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
  REDIRECT_REFUSED: 'REDIRECT_REFUSED',
  BLOCKED_DESTINATION: 'BLOCKED_DESTINATION',
  PROXY_ERROR: 'PROXY_ERROR',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  TOO_MANY_ORIGINS: 'TOO_MANY_ORIGINS',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  ABORTED: 'ABORTED',
  BODY_USED: 'BODY_USED',
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  DISK_ERROR: 'DISK_ERROR',
  BAD_PATH: 'BAD_PATH',
  RESOURCE_CHANGED: 'RESOURCE_CHANGED',
  HTTP_STATUS: 'HTTP_STATUS',
  QUEUE_UNAVAILABLE: 'QUEUE_UNAVAILABLE',
  QUEUE_FULL: 'QUEUE_FULL',
  CONFLICT: 'CONFLICT',
  BAD_JOB: 'BAD_JOB',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorCodes: readonly ErrorCode[] = Object.values(ErrorCode);

const kCourierError = Symbol.for('courier.error');

export interface CourierErrorDetails {
  /** The underlying error (undici, node:net, node:fs …). */
  cause?: unknown;
  /** HTTP status, for `HTTP_STATUS`. */
  status?: number;
  /** Anything else worth carrying to a log or an API body (never credentials). */
  [key: string]: unknown;
}

export class CourierError extends Error {
  override readonly name = 'CourierError';
  readonly code: ErrorCode;
  readonly details: Readonly<Omit<CourierErrorDetails, 'cause'>>;
  readonly [kCourierError] = true;

  constructor(code: ErrorCode, message: string, details: CourierErrorDetails = {}) {
    const { cause, ...rest } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = rest;
  }

  /** A plain object for JSON APIs and job results. */
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isCourierError(value: unknown): value is CourierError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kCourierError] === true;
}

/** Codes whose failure says nothing about the request itself: worth another try later. */
const transientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DNS_TIMEOUT',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'HEADERS_TIMEOUT',
  'BODY_TIMEOUT',
  'TOTAL_TIMEOUT',
  'CLOSED_PREMATURELY',
  'CONNECTION_RESET',
  'CIRCUIT_OPEN',
  'QUEUE_UNAVAILABLE',
]);

export function isTransientCode(code: ErrorCode): boolean {
  return transientCodes.has(code);
}
