import { credentialHeaderNames, redactUserinfo } from '@courier/queue';

/** Header names whose values never leave the server in an API answer, a log line or an event. */
export const credentialHeaders: ReadonlySet<string> = new Set([...credentialHeaderNames, 'set-cookie']);

export const redacted = '[redacted]';

/** A copy of `headers` with credential values replaced (names matched case-insensitively). */
export function redactHeaders<T>(headers: Record<string, T> | undefined): Record<string, T | string> | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return headers;
  const out: Record<string, T | string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = credentialHeaders.has(name.toLowerCase()) ? redacted : value;
  return out;
}

/** Where a logged object may hold headers: Fastify's `req`/`res`, and any headers a route or a job logs. */
const headerHolders = ['req.headers', 'res.headers', 'headers', '*.headers'];

/**
 * Pino `redact` paths for the server's logs: request headers Fastify logs with `req`, and any
 * headers object a route logs under `headers` or `job.headers`; for every credential header and
 * the operator's own sensitive ones (`COURIER_SENSITIVE_HEADERS`).
 */
export function logRedactPathsFor(sensitiveHeaders: readonly string[] = []): string[] {
  const names = new Set([...credentialHeaders, ...sensitiveHeaders.map((n) => n.toLowerCase())]);
  const paths = headerHolders.flatMap((holder) => [...names].map((name) => `${holder}[${JSON.stringify(name)}]`));
  return [...paths, 'token', '*.token'];
}

/** Pino hooks: every line leaves with URL userinfo scrubbed (a refused URL, `?remote=`, an error message). */
export const logHooks = { streamWrite: redactUserinfo };
