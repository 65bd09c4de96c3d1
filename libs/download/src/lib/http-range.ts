// Byte ranges and validators (RFC 9110 §13.1.5 If-Range, §14.4 Content-Range, §8.8 validators).
import type { ResponseHeaders } from '@courier/origin';

/** A resource version as the origin names it. */
export interface Validator {
  etag?: string;
  lastModified?: string;
}

export interface ContentRange {
  /** First byte of the part sent; null for the unsatisfied form `bytes *\/N`. */
  start: number | null;
  end: number | null;
  /** Size of the whole resource; null when the origin sent `*`. */
  total: number | null;
}

function single(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Parses `bytes 0-99/1000`, `bytes 0-99/*` and `bytes *\/1000`; null when malformed. */
export function parseContentRange(value: string | undefined): ContentRange | null {
  if (!value) return null;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return null;
  const total = m[3] === '*' ? null : Number(m[3]);
  if (m[1] === undefined) return total === null ? null : { start: null, end: null, total };
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || (total !== null && end >= total)) return null;
  return { start, end, total };
}

export function contentRangeOf(headers: ResponseHeaders): ContentRange | null {
  return parseContentRange(single(headers, 'content-range'));
}

/** Declared body length, or null (chunked, or absent). */
export function contentLengthOf(headers: ResponseHeaders): number | null {
  const v = single(headers, 'content-length');
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v);
}

export function validatorOf(headers: ResponseHeaders): Validator {
  const etag = single(headers, 'etag');
  const lastModified = single(headers, 'last-modified');
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

/** If-Range needs a strong validator: a weak ETag (`W/"…"`) never matches, so it is not used. */
export function ifRangeValue(v: Validator | undefined): string | undefined {
  if (v?.etag && !v.etag.startsWith('W/')) return v.etag;
  return v?.lastModified;
}

/**
 * True when the response names another version than `known`: ETags are compared when both
 * sides have one, else Last-Modified dates. A side without either says nothing (false).
 */
export function validatorChanged(known: Validator | undefined, seen: Validator): boolean {
  if (!known) return false;
  if (known.etag && seen.etag) return known.etag !== seen.etag;
  if (known.lastModified && seen.lastModified) return known.lastModified !== seen.lastModified;
  return false;
}
