/**
 * Credentials never sit in a stored job, a result, an event or a log. At enqueue time they are
 * split off: the job keeps `[redacted]` in their place and the real values go to a separate,
 * short-lived store keyed by job id (a Redis hash with a TTL on BullMQ, a Map in memory), which
 * the worker reads just before sending and deletes when the job ends. This is not encryption:
 * anyone who can read Redis can read that hash while it lives; it keeps secrets out of job data,
 * dashboards, events and retention, and bounds how long they stay.
 */
import { CourierError, userinfoAuthorization, withoutUserinfo, type RedirectHop, type ResponseHeaders } from '@courier/origin';
import { z } from 'zod';
import type { HeaderPair, JobInput } from './job-schema.ts';

export const REDACTED = '[redacted]';

/** Request headers that carry credentials (DESIGN "Operations users expect"); an operator adds more (`COURIER_SENSITIVE_HEADERS`). */
export const credentialHeaderNames: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-auth-token']);

/** Response headers that carry credentials back (a session cookie is one). */
const responseSecretNames: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token']);

// RFC 9110 §5.6.2: a header name is a token.
const headerNameRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The built-in credential headers plus the operator's own (names, any case). A name that is not
 * a header token is a `BAD_OPTION` naming it: a typo must not silently leave a secret unredacted.
 */
export function sensitiveHeaderNames(extra: readonly string[] = []): ReadonlySet<string> {
  if (extra.length === 0) return credentialHeaderNames;
  const names = new Set(credentialHeaderNames);
  for (const name of extra) {
    if (!headerNameRe.test(name)) throw new CourierError('BAD_OPTION', `sensitive header ${JSON.stringify(name.slice(0, 100))} is not a header name`);
    names.add(name.toLowerCase());
  }
  return names;
}

/** `COURIER_SENSITIVE_HEADERS` as the server and the worker read it: comma-separated header names. */
export function parseSensitiveHeaders(value: string | undefined): string[] {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  sensitiveHeaderNames(names);
  return names.map((n) => n.toLowerCase());
}

/** The environment setting's schema (one for both processes' configs): unset → none. */
export const sensitiveHeadersSetting = z.preprocess(
  (value) => (typeof value === 'string' ? value : ''),
  z.string().transform((value, ctx) => {
    try {
      return parseSensitiveHeaders(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
);

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
export function splitCredentials(job: JobInput, sensitive: ReadonlySet<string> = credentialHeaderNames): SplitJob {
  // A parsed job's URL is normalised already: without an '@' it has no userinfo and stays as it
  // is, so it is not parsed a second time (most jobs of a batch).
  const url = job.url.includes('@') ? new URL(job.url) : null;
  if (!url && job.headers === undefined) return { stored: job, secrets: null };
  const headers: HeaderPair[] = [...(job.headers ?? [])];
  const authorization = url ? userinfoAuthorization(url) : null;
  if (url && authorization !== null) {
    if (!headers.some(([name]) => name.toLowerCase() === 'authorization')) headers.push(['authorization', authorization]);
    url.username = '';
    url.password = '';
  }
  const secrets: HeaderPair[] = [];
  const kept: HeaderPair[] = [];
  for (const pair of headers) {
    if (sensitive.has(pair[0].toLowerCase())) {
      secrets.push(pair);
      kept.push([pair[0], REDACTED]);
    } else {
      kept.push(pair);
    }
  }
  const href = url ? url.href : job.url;
  if (secrets.length === 0 && href === job.url) return { stored: job, secrets: null };
  const stored: JobInput = { ...job, url: href };
  if (kept.length > 0) stored.headers = kept;
  return { stored, secrets: secrets.length > 0 ? secrets : null };
}

/**
 * Puts the real credential headers back in place of the redacted ones, just before sending. The
 * names come from the secrets themselves, so a worker needs no copy of the producer's list.
 */
export function restoreCredentials(job: JobInput, secrets: readonly HeaderPair[]): JobInput {
  const names = new Set(secrets.map(([name]) => name.toLowerCase()));
  const headers: HeaderPair[] = (job.headers ?? []).filter(([name, value]) => !(value === REDACTED && names.has(name.toLowerCase())));
  return { ...job, headers: [...headers, ...secrets] };
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

/** A redirect chain as stored: no hop's URL keeps the `user:password@` a `Location` may carry. */
export function redactRedirects(hops: readonly RedirectHop[]): RedirectHop[] {
  return hops.map((hop) => ({ ...hop, url: withoutUserinfo(hop.url), location: withoutUserinfo(hop.location) }));
}

// `//user:pass@` (also `\\`, and percent-encoded inside a query: `%2F%2Fuser%3Apass%40`), and a bare
// `user:pass@` (a scheme without slashes, `remote=u:p@host`). Up to the last `@` of the authority,
// as the URL parser reads it. JSON escapes (`\"`) are stepped over, never out of, so a log line
// stays valid JSON.
const slashedUserinfo = /(\/\/|\\\\)(?:[^/\\?#\s"]|\\.)+@/g;
const encodedUserinfo = /(%2F%2F)(?:(?!%2F|%3F|%23|%40)[^/?#&\s"\\])+%40/gi;
const bareUserinfo = /(^|[\s"'(=,:;<[{])(?:[^\s"'/?#@:=&]+):(?:[^\s"'/?#@\\]|\\.)*@/g;

/**
 * `text` with anything that looks like URL userinfo replaced by `[redacted]`: for log lines and
 * error messages, which may echo a URL the parser refused (and `withoutUserinfo` cannot parse).
 * Errs on the side of redacting: an e-mail-like `a:b@c` goes too.
 */
export function redactUserinfo(text: string): string {
  if (!text.includes('@') && !/%40/i.test(text)) return text;
  return text
    .replace(slashedUserinfo, `$1${REDACTED}@`)
    .replace(encodedUserinfo, `$1${REDACTED}%40`)
    .replace(bareUserinfo, `$1${REDACTED}@`);
}
