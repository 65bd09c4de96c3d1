/**
 * Soup's `MimeMessage::normaliseHeaderCasingInplace`: the first character and every character
 * after a `-` upper-cased, everything else lower-cased (`x-multi-WORD-header` →
 * `X-Multi-Word-Header`).
 */
export function titleCase(name: string): string {
  let out = '';
  let upper = true;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

// Responses repeat the same few names; remembering them keeps the hot path to a Map lookup.
const cache = new Map<string, string>();
const CACHE_LIMIT = 1024;

/** `titleCase` with a bounded cache, for response header names. */
export function titleCaseCached(name: string): string {
  let titled = cache.get(name);
  if (titled === undefined) {
    titled = titleCase(name);
    if (cache.size < CACHE_LIMIT) cache.set(name, titled);
  }
  return titled;
}
