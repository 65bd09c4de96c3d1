import { isCourierError, type ErrorCode } from '@courier/origin';

/**
 * Codes the API answers with: every `CourierError` code, plus `UNAUTHORIZED`, which the origin
 * taxonomy does not have yet (requested from the lead; until then it lives here).
 */
export type ApiErrorCode = ErrorCode | 'UNAUTHORIZED';

/** The one error body every route answers with: `{ error: { code, message, field? } }`. */
export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** The offending part of the request, e.g. `jobs[2].url` or `query.wait`. */
    field?: string;
    /** Seconds, with 429 `QUEUE_FULL` (also sent as `Retry-After`). */
    retryAfter?: number;
  };
}

/** An error a route throws on purpose: its code, message and HTTP status go to the caller as they are. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly statusCode: number,
    readonly extra: { field?: string; retryAfter?: number } = {},
  ) {
    super(message);
  }
}

/** HTTP status per code for errors raised while handling an API call (job outcomes are not API errors). */
const statusByCode: Partial<Record<ApiErrorCode, number>> = {
  BAD_URL: 400,
  BAD_HEADER: 400,
  BAD_METHOD: 400,
  BAD_BODY: 400,
  BAD_OPTION: 400,
  BAD_JOB: 400,
  BAD_PATH: 400,
  UNSUPPORTED_SCHEME: 400,
  BLOCKED_DESTINATION: 403,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  QUEUE_FULL: 429,
  TOO_MANY_ORIGINS: 429,
  QUEUE_UNAVAILABLE: 503,
  CLIENT_CLOSED: 503,
};

/** Retry-After for QUEUE_FULL when the driver gives no hint, in seconds. */
const defaultRetryAfterSeconds = 1;

/**
 * Turns anything thrown by a route, a hook or Fastify itself into a status and the stable body.
 * Messages below 500 are the caller's business and go out; a 500 says "internal error" only
 * (its details stay in the log), so no stack or internal path ever leaks (the fastify/demo habit).
 */
export function toApiError(error: unknown): { statusCode: number; body: ApiErrorBody; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    return respond(error.statusCode, error.code, error.message, error.extra);
  }
  if (isCourierError(error)) {
    const statusCode = statusByCode[error.code] ?? 500;
    if (statusCode >= 500 && error.code !== 'QUEUE_UNAVAILABLE' && error.code !== 'CLIENT_CLOSED') {
      return respond(500, 'INTERNAL', 'internal error');
    }
    if (error.code === 'QUEUE_FULL') {
      return respond(429, 'QUEUE_FULL', error.message, { retryAfter: retryAfterSeconds(error.details) });
    }
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    return respond(statusCode, error.code, error.message, field === undefined ? {} : { field });
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  const statusCode = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (statusCode >= 500) return respond(500, 'INTERNAL', 'internal error');
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return respond(413, 'BODY_TOO_LARGE', 'request body is larger than the server accepts (COURIER_BODY_LIMIT)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return respond(415, 'BAD_BODY', 'unsupported content type: send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return respond(400, 'BAD_BODY', 'body: empty body with content-type application/json', { field: 'body' });
    case 'FST_ERR_BAD_URL':
      return respond(400, 'BAD_OPTION', 'path: malformed percent-encoding in the URL path', { field: 'path' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return respond(414, 'BAD_OPTION', 'path: a path parameter is longer than the server accepts', { field: 'path' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      // Unparsable JSON, and JSON with a `__proto__` / `constructor.prototype` key (refused by the parser).
      return respond(400, 'BAD_BODY', `body: ${fastifyError.message ?? 'malformed'}`, { field: 'body' });
    default:
      // SyntaxError from the JSON parser carries statusCode 400; other 4xx from Fastify keep their text.
      return respond(statusCode, statusCode === 404 ? 'NOT_FOUND' : 'BAD_BODY', `${fastifyError.message ?? 'bad request'}`);
  }
}

function retryAfterSeconds(details: Readonly<Record<string, unknown>>): number {
  const ms = details.retryAfterMs;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  const s = details.retryAfter;
  if (typeof s === 'number' && Number.isFinite(s) && s > 0) return Math.ceil(s);
  return defaultRetryAfterSeconds;
}

function respond(
  statusCode: number,
  code: ApiErrorCode,
  message: string,
  extra: { field?: string; retryAfter?: number } = {},
): { statusCode: number; body: ApiErrorBody; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (extra.retryAfter !== undefined) headers['retry-after'] = String(extra.retryAfter);
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer realm="courier"';
  return { statusCode, body: { error: { code, message, ...extra } }, headers };
}
