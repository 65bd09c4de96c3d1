/**
 * `COURIER_CONFIG`: per-origin policy for the worker's client, as JSON or YAML (YAML is a
 * superset of JSON, so one parser reads both):
 *
 * ```yaml
 * policy: { connections: 8, totalTimeoutMs: 60000 }        # every origin
 * origins:                                                  # later entries win
 *   - match: "*.slow.example"
 *     policy: { headersTimeoutMs: 120000 }
 * ```
 */
import { readFileSync } from 'node:fs';
import { defaultPolicy, PolicyResolver, type OriginPolicy, type OriginPolicyOverride } from '@courier/origin';
import { parse as parseYaml } from 'yaml';

export interface OriginPolicyFile {
  policy: Partial<OriginPolicy>;
  origins: OriginPolicyOverride[];
}

const knownKeys = new Set(Object.keys(defaultPolicy));

function checkPolicy(value: unknown, where: string): Partial<OriginPolicy> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} must be an object`);
  for (const key of Object.keys(value)) {
    if (!knownKeys.has(key)) throw new Error(`${where}.${key} is not a policy field (known: ${[...knownKeys].join(', ')})`);
  }
  return value as Partial<OriginPolicy>;
}

/** Reads and validates the file; throws an Error whose message says what to fix. */
export function readOriginPolicyFile(path: string): OriginPolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`can't read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let content: unknown;
  try {
    content = parseYaml(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new Error(`${path} must hold an object with "policy" and/or "origins"`);
  }
  const { policy = {}, origins = [], ...rest } = content as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`${path}: unknown key ${unknown[0]} (expected "policy" and/or "origins")`);
  if (!Array.isArray(origins)) throw new Error(`${path}: origins must be an array of { match, policy }`);
  const file: OriginPolicyFile = {
    policy: checkPolicy(policy, 'policy'),
    origins: origins.map((o: unknown, i) => {
      const entry = o as { match?: unknown; policy?: unknown } | null;
      if (typeof entry?.match !== 'string' || entry.match.length === 0) throw new Error(`origins[${i}].match must be a non-empty string`);
      return { match: entry.match, policy: checkPolicy(entry.policy, `origins[${i}].policy`) };
    }),
  };
  // Values (types, ranges) are checked by the resolver the client will use: the shared policy
  // (and the patterns) here, each entry over it as an origin it matches gets it. Not by resolving
  // a made-up origin per pattern: `https://*.a.test` or `host:*` would match none and go unchecked.
  new PolicyResolver(file.policy, file.origins);
  for (const o of file.origins) new PolicyResolver({ ...file.policy, ...o.policy });
  return file;
}
