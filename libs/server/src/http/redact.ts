/** Header names whose values never leave the server in an API answer, a log line or an event. */
export const credentialHeaders: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'set-cookie']);

export const redacted = '[redacted]';

/** A copy of `headers` with credential values replaced (names matched case-insensitively). */
export function redactHeaders<T>(headers: Record<string, T> | undefined): Record<string, T | string> | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return headers;
  const out: Record<string, T | string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = credentialHeaders.has(name.toLowerCase()) ? redacted : value;
  return out;
}

/**
 * Pino `redact` paths for the server's logs: request headers Fastify logs with `req`, and any
 * headers object a route logs under `headers` or `job.headers`.
 */
export const logRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["proxy-authorization"]',
  'token',
  '*.token',
];
