/**
 * Credentials never sit in a stored job, a result, an event or a log. At enqueue time they are
 * split off: the job keeps `[redacted]` in their place and the real values go to a separate,
 * short-lived store keyed by job id (a Redis hash with a TTL on BullMQ, a Map in memory), which
 * the worker reads just before sending and deletes when the job ends. This is not encryption:
 * anyone who can read Redis can read that hash while it lives; it keeps secrets out of job data,
 * dashboards, events and retention, and bounds how long they stay.
 */
import { userinfoAuthorization, type ResponseHeaders } from '@courier/origin';
import type { HeaderPair, JobInput } from './job-schema.ts';

export const REDACTED = '[redacted]';

/** Request headers that carry credentials (DESIGN "Operations users expect"). */
export const credentialHeaderNames: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Response headers that carry credentials back (a session cookie is one). */
const responseSecretNames: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization', 'cookie']);

export interface SplitJob {
  /** What may be stored and shown: credentials replaced by `[redacted]`, URL userinfo removed. */
  stored: JobInput;
  /** The credential headers, in order; null when there are none. */
  secrets: HeaderPair[] | null;
}

/**
 * Splits credentials off a parsed job. URL userinfo becomes an `authorization: Basic` header
 * (what the client would have done) so it is redacted like any other credential.
 */
export function splitCredentials(job: JobInput): SplitJob {
  const url = new URL(job.url);
  const headers: HeaderPair[] = [...(job.headers ?? [])];
  const authorization = userinfoAuthorization(url);
  if (authorization !== null) {
    if (!headers.some(([name]) => name.toLowerCase() === 'authorization')) headers.push(['authorization', authorization]);
    url.username = '';
    url.password = '';
  }
  const secrets: HeaderPair[] = [];
  const kept: HeaderPair[] = [];
  for (const pair of headers) {
    if (credentialHeaderNames.has(pair[0].toLowerCase())) {
      secrets.push(pair);
      kept.push([pair[0], REDACTED]);
    } else {
      kept.push(pair);
    }
  }
  if (secrets.length === 0 && url.href === job.url) return { stored: job, secrets: null };
  const stored: JobInput = { ...job, url: url.href };
  if (kept.length > 0) stored.headers = kept;
  return { stored, secrets: secrets.length > 0 ? secrets : null };
}

/** Puts the real credential headers back in place of the redacted ones, just before sending. */
export function restoreCredentials(job: JobInput, secrets: readonly HeaderPair[]): JobInput {
  const headers: HeaderPair[] = (job.headers ?? []).filter(([name]) => !credentialHeaderNames.has(name.toLowerCase()));
  return { ...job, headers: [...headers, ...secrets] };
}

/** True when the stored job had credentials split off (so the worker must fetch them). */
export function hasRedactedCredentials(job: JobInput): boolean {
  return (job.headers ?? []).some(([name, value]) => value === REDACTED && credentialHeaderNames.has(name.toLowerCase()));
}

/** Response headers for a stored result: cookies and echoed credentials redacted. */
export function redactResponseHeaders(headers: ResponseHeaders): ResponseHeaders {
  let out: ResponseHeaders | null = null;
  for (const name of Object.keys(headers)) {
    if (!responseSecretNames.has(name)) continue;
    out ??= { ...headers };
    const value = headers[name]!;
    out[name] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  }
  return out ?? headers;
}
