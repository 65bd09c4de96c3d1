/**
 * What the server's and the worker's environment configurations share (both import the queue, as
 * they do `sensitiveHeadersSetting`): the error, the reading of an empty variable, the settings
 * both have, and the message a bad value gets — one variable, one check, one message in both
 * processes (DESIGN "Configuration").
 */
import { z } from 'zod';

/** A configuration error: `variable` names what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** An empty variable counts as unset, so compose files can pass `${VAR:-}` through. */
export const emptyAsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

/** A whole number in [min, max]; `fallback` when unset. */
export const integerSetting = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`).default(fallback));

const namePattern = /^[A-Za-z0-9_.-]{1,100}$/;
const nameMessage = 'letters, digits, _ . - only (1 to 100)';

/** A name that can stand in a Redis key (queue prefix and name, worker id); `fallback` when unset. */
export const nameSetting = (fallback: string) => z.preprocess(emptyAsUnset, z.string().regex(namePattern, nameMessage).default(fallback));

/** The same, optional. */
export const optionalNameSetting = z.preprocess(emptyAsUnset, z.string().regex(namePattern, nameMessage).optional());

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** `LOG_LEVEL`: a pino level or `silent`. */
export const logLevelSetting = (fallback: LogLevel) =>
  z.preprocess(emptyAsUnset, z.enum(logLevels, { error: 'must be fatal, error, warn, info, debug, trace or silent' }).default(fallback));

/** Variables whose value an error message never repeats. */
const secretVariables = new Set(['COURIER_TOKEN', 'REDIS_URL']);

/**
 * `env` read through `schema`; the first bad variable becomes a `ConfigError` naming it, with the
 * value given (cut to 100 characters; never a secret's).
 */
export function parseEnv<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const given = env[variable];
  const shown = secretVariables.has(variable) || given === undefined ? '' : ` (got ${JSON.stringify(given.slice(0, 100))})`;
  throw new ConfigError(variable, `${issue.message}${shown}`);
}
