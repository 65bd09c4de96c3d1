/**
 * The job payloads a queue accepts, validated once at enqueue time so bad input is refused
 * before it reaches Redis. URL, method and headers go through `@courier/origin`'s own validators,
 * so a bad one is refused with the very code the client would give (`BAD_URL`, `BAD_HEADER`,
 * `BAD_METHOD`, `UNSUPPORTED_SCHEME`); any other problem is `BAD_JOB`. Messages name the field.
 *
 * `parseJob` is idempotent: its output parses to itself (drivers validate again on enqueue).
 */
import { CourierError, isCourierError, normaliseHeaders, normaliseMethod, parseUrl, type ErrorCode } from '@courier/origin';
import { z } from 'zod';
import { queueDefaults } from './defaults.ts';

const caps = queueDefaults.job;

/** Attaches a CourierError's code to the zod issue so `parseJob` can throw with it. */
function courierIssue(ctx: z.RefinementCtx, error: unknown): never {
  const code: ErrorCode = isCourierError(error) ? error.code : 'BAD_JOB';
  const message = error instanceof Error ? error.message : String(error);
  ctx.addIssue({ code: 'custom', message, params: { courierCode: code } });
  return z.NEVER;
}

const url = z
  .string({ error: 'must be a string' })
  .max(caps.maxUrlLength, `must be at most ${caps.maxUrlLength} characters`)
  .transform((value, ctx) => {
    try {
      return parseUrl(value).href;
    } catch (error) {
      return courierIssue(ctx, error);
    }
  });

const method = z
  .string({ error: 'must be a string' })
  .max(64, 'must be at most 64 characters')
  .transform((value, ctx) => {
    try {
      // Validated here, kept as given: the client upper-cases fetch's methods unless the job
      // asks for `verbatimMethod`.
      return normaliseMethod(value, true);
    } catch (error) {
      return courierIssue(ctx, error);
    }
  });

/** A header as `[name, value]`; repeated names are repeated pairs, in order. */
export type HeaderPair = [string, string];

const headerValue = z.union([z.string(), z.number(), z.array(z.string())], { error: 'must be a string, a number or an array of strings' });

const headers = z
  .union(
    [
      z.array(z.tuple([z.string(), z.string()]), { error: 'must be [name, value] pairs' }),
      z.record(z.string(), headerValue),
    ],
    { error: 'must be an object of name → value or an array of [name, value] pairs' },
  )
  .transform((value, ctx): HeaderPair[] => {
    let flat: string[];
    try {
      flat = normaliseHeaders(value);
    } catch (error) {
      return courierIssue(ctx, error);
    }
    if (flat.length / 2 > caps.maxHeaderPairs) {
      ctx.addIssue({ code: 'custom', message: `at most ${caps.maxHeaderPairs} headers` });
      return z.NEVER;
    }
    const pairs: HeaderPair[] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    return pairs;
  });

const base64Re = /^[A-Za-z0-9+/]*={0,2}$/;

/** A request body: UTF-8 text, or bytes as `{ base64 }` (binary safe). */
const body = z.union(
  [
    z.string().refine((s) => Buffer.byteLength(s) <= caps.maxBodyBytes, `must be at most ${caps.maxBodyBytes} bytes`),
    z.strictObject({
      base64: z
        .string()
        .regex(base64Re, 'must be base64')
        .refine((s) => s.length % 4 === 0, 'must be base64 (length a multiple of 4)')
        .refine((s) => (s.length / 4) * 3 <= caps.maxBodyBytes + 2, `must decode to at most ${caps.maxBodyBytes} bytes`),
    }),
  ],
  { error: 'must be a string (UTF-8) or { base64: string }' },
);

const timeoutMs = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').max(caps.maxTimeoutMs, `must be at most ${caps.maxTimeoutMs}`);

export const requestJobSchema = z.strictObject({
  kind: z.literal('request'),
  url,
  method: method.optional(),
  headers: headers.optional(),
  body: body.optional(),
  /**
   * Time for the response head, in milliseconds (default: origin policy). The worker bounds this
   * and the two below by its maximum (`COURIER_MAX_TOTAL_TIMEOUT_MS`, 5 min): 0 (no limit) or more
   * than the maximum runs with the maximum (clamped, not refused: only the worker knows its maximum).
   */
  headersTimeoutMs: timeoutMs.optional(),
  /** Longest pause between body chunks, in milliseconds. */
  bodyTimeoutMs: timeoutMs.optional(),
  /** Whole exchange, in milliseconds (unset or 0: the worker's maximum). */
  totalTimeoutMs: timeoutMs.optional(),
  /** Redirects followed (0 = return the 3xx as it is). */
  maxRedirects: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(caps.maxRedirects, `must be at most ${caps.maxRedirects}`).optional(),
  /** Pluto's `dont_reuse`: a fresh socket for this request. */
  dontReuse: z.boolean({ error: 'must be a boolean' }).optional(),
  /** Pluto's `dont_make_reusable`: close the new socket after this request. */
  dontMakeReusable: z.boolean({ error: 'must be a boolean' }).optional(),
  /** Pluto's `prefer_ipv6`: try IPv6 first. */
  preferIpv6: z.boolean({ error: 'must be a boolean' }).optional(),
  /** Largest response body accepted, in bytes; unset, 0 or more than the worker's `COURIER_MAX_RESPONSE_BYTES` (64 MiB) runs with that maximum. */
  maxResponseBytes: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER).optional(),
  /**
   * Complete the job with whatever status the origin answers (the Pluto fleet transport needs
   * a 404's body and headers). By default a 4xx/5xx fails the job with `HTTP_STATUS`.
   */
  acceptAnyStatus: z.boolean({ error: 'must be a boolean' }).optional(),
  /** Send the method exactly as given (Pluto sends `get` as `get`). */
  verbatimMethod: z.boolean({ error: 'must be a boolean' }).optional(),
  /**
   * Run under Pluto's pool (`plutoPolicy`) in the worker: one keep-alive socket per origin that
   * requests queue on, one-off `Connection: close` sockets for `dontReuse` / `dontMakeReusable`,
   * Pluto's request head. A worker without a Pluto client runs it on its own client.
   */
  plutoPool: z.boolean({ error: 'must be a boolean' }).optional(),
});

export const downloadJobSchema = z.strictObject({
  kind: z.literal('download'),
  url,
  /** Destination path, confined to the download root by the download handler. */
  dst: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(4096, 'must be at most 4096 characters')
    .refine((s) => !s.includes('\0'), "can't contain NUL"),
  /** Expected SHA-256 of the content, hex. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
    .transform((s) => s.toLowerCase())
    .optional(),
  /** Expected size, in bytes: bounds the download; above the worker's `COURIER_MAX_DOWNLOAD_BYTES` (16 GiB, also the bound without it) the job fails with `BODY_TOO_LARGE`. */
  size: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER).optional(),
  headers: headers.optional(),
});

/** `kind` defaults to `request`, so the common case stays short. */
export const jobSchema = z.preprocess(
  (input) => (typeof input === 'object' && input !== null && !Array.isArray(input) && !('kind' in input) ? { kind: 'request', ...input } : input),
  z.discriminatedUnion('kind', [requestJobSchema, downloadJobSchema], { error: 'must be "request" or "download"' }),
);

export type RequestJob = z.output<typeof requestJobSchema>;
export type DownloadJob = z.output<typeof downloadJobSchema>;
export type JobInput = RequestJob | DownloadJob;
export type JobKind = JobInput['kind'];
/** What callers may send (before normalisation): header objects, lower-case methods, no `kind`. */
export type JobInputLike = z.input<typeof requestJobSchema> | Omit<z.input<typeof requestJobSchema>, 'kind'> | z.input<typeof downloadJobSchema>;

export const jobKinds: readonly JobKind[] = ['request', 'download'];

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/**
 * The common shape, a bare GET (`{ url }` or `{ kind: 'request', url }`), without zod: the
 * schema's own URL steps (length bound, `parseUrl`), so the result is the one `jobSchema` gives.
 * Null for any other shape, or a URL the schema would refuse (then the schema runs, for its
 * error). A batch of such jobs skips the per-job zod cost, the larger part of validation, and
 * with `urls` (raw → normalised, kept by the caller for one batch) parses a repeated URL once.
 */
function parseBareGet(input: unknown, urls: Map<string, string> | undefined): RequestJob | null {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) return null;
  let url: unknown;
  let keys = 0;
  for (const key in input) {
    keys += 1;
    if (key === 'url') url = (input as { url: unknown }).url;
    else if (!(key === 'kind' && (input as { kind: unknown }).kind === 'request')) return null;
  }
  if (keys === 0 || typeof url !== 'string' || url.length > caps.maxUrlLength) return null;
  let href = urls?.get(url);
  if (href === undefined) {
    try {
      href = parseUrl(url).href;
    } catch {
      return null;
    }
    urls?.set(url, href);
  }
  return { kind: 'request', url: href };
}

/**
 * Validates and normalises one job. Throws `CourierError` with `BAD_JOB` — or the origin's own
 * code for a bad URL, method or header — and a message naming the field (`headers: …`), prefixed
 * by `path` when given (`jobs[3].url: …`). `urls`: a batch's cache of parsed bare-GET URLs.
 */
export function parseJob(input: unknown, path: ReadonlyArray<string | number> = [], urls?: Map<string, string>): JobInput {
  const bare = parseBareGet(input, urls);
  if (bare) return bare;
  const parsed = jobSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const issuePath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const where = formatPath([...path, ...issuePath]) || 'job';
  const params = (issue as { params?: { courierCode?: ErrorCode } }).params;
  const code: ErrorCode = params?.courierCode ?? 'BAD_JOB';
  const message =
    issue.code === 'unrecognized_keys' ? 'unknown field' : issue.code === 'invalid_type' && issue.path.length === 0 ? 'must be an object' : issue.message;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new CourierError(code, `${where}: ${message}${more}`, { field: where });
}

/** `parseJob` over a batch; the message names the index (`[3].url: …`). */
export function parseJobs(inputs: unknown): JobInput[] {
  if (!Array.isArray(inputs)) throw new CourierError('BAD_JOB', 'jobs: must be an array');
  return inputs.map((input, index) => parseJob(input, [index]));
}

/** The request body as bytes, or null. */
export function requestBodyBytes(job: RequestJob): Uint8Array | string | null {
  if (job.body === undefined) return null;
  return typeof job.body === 'string' ? job.body : Buffer.from(job.body.base64, 'base64');
}
