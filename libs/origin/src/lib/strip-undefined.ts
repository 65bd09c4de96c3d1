/**
 * `o` without its `undefined` fields, so that spreading it over defaults keeps the defaults
 * (`{ ...defaults, ...stripUndefined(options) }`): a caller's `{ timeoutMs: undefined }` means
 * "not set", not "no timeout". Used by the origin policy and by the queue's limit settings.
 */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
