/**
 * Zod 4 schemas as Fastify route schemas. Written here rather than taken from
 * `fastify-type-provider-zod` because its current major requires `@fastify/swagger` as a peer,
 * and because the server wants one thing it does not offer: a message that names the field
 * (`jobs[2].url: …`) in the stable `{ error: { code, message, field } }` body.
 */
import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';
import { ApiError, type ApiErrorCode } from './api-error.ts';

/** Route handlers see each schema's parsed output as the request's types. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

/** What each part of a request is called in messages, and which code a mistake in it gets. */
const parts: Record<HttpPart, { prefix: string; code: ApiErrorCode }> = {
  body: { prefix: '', code: 'BAD_JOB' },
  querystring: { prefix: 'query', code: 'BAD_OPTION' },
  params: { prefix: 'params', code: 'BAD_OPTION' },
  headers: { prefix: 'headers', code: 'BAD_HEADER' },
};

/** `['jobs', 2, 'url']` → `jobs[2].url`; the part's prefix comes first (`query.wait`). */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'body' : out;
}

/** Problems named in one message at most; past them it says how many more (a bad batch of 1,000 jobs stays one line). */
export const maxNamedIssues = 5;

/** `field: what is wrong`, an unknown key named itself, not its parent object: `jobs[0].colour`, not `jobs[0]`. */
function describeIssue(issue: z.core.$ZodIssue, prefix: string): { field: string; text: string } {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const field = formatPath(prefix, path);
  const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}` : issue.message;
  return { field, text: `${field}: ${message}` };
}

/**
 * The issues as an `ApiError` with status 400: its field and code are the first problem's, its
 * message names every problem up to `maxNamedIssues` (`waves[1]: …; waves[2]: …`), then how many more.
 */
export function issueToApiError(issues: readonly z.core.$ZodIssue[], httpPart: HttpPart): ApiError {
  const part = parts[httpPart] ?? parts.body;
  const issue = pickIssue(issues);
  const { field, text } = describeIssue(issue, part.prefix);
  // The queue's job schema carries the origin lib's precise code (BAD_URL, BAD_HEADER …) in `params.courierCode`.
  const params = issue.code === 'custom' ? (issue.params as { courierCode?: unknown; code?: unknown } | undefined) : undefined;
  const precise = params?.courierCode ?? params?.code;
  const code = (typeof precise === 'string' ? precise : part.code) as ApiErrorCode;
  const texts = [text];
  for (const other of issues) {
    if (other === issue) continue;
    const described = describeIssue(other, part.prefix).text;
    if (!texts.includes(described)) texts.push(described);
  }
  const named = texts.slice(0, maxNamedIssues);
  const rest = texts.length - named.length;
  const more = rest > 0 ? `; and ${rest} more problem${rest > 1 ? 's' : ''}` : '';
  return new ApiError(code, `${named.join('; ')}${more}`, 400, { field });
}

/** An unrecognised key says less than a wrong value: report the value first when there is one. */
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  return issues.find((i) => i.code !== 'unrecognized_keys') ?? issues[0]!;
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: issueToApiError(result.error.issues, (httpPart ?? 'body') as HttpPart) };
  };
};

/**
 * Responses are checked against their schema on the way out, so a route can't leak a field it
 * did not declare (the body goes through `parse`, which drops unknown keys of strict objects).
 */
export const zodSerializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  return (data: unknown) => JSON.stringify(schema.parse(data));
};
