/** Options of `http.request` (reference §1.2). Booleans count only when exactly `true`. */
export interface PlutoRequestOptions {
  /** Only read in the one-argument form `http.request({ url, … })`. */
  url?: string;
  /** Request method, default `GET`. A `GET` with a `body` is sent as `POST`. */
  method?: string;
  /** Request headers: names are sent Title-Cased; values are strings or numbers. */
  headers?: Record<string, string | number>;
  /** Request payload; sets `Content-Length`. */
  body?: string | Uint8Array;
  /** Look up and connect over IPv6 first (default: IPv4 first). */
  prefer_ipv6?: boolean;
  /** Open a new connection instead of reusing the keep-alive one. */
  dont_reuse?: boolean;
  /** Close a newly opened connection after this request instead of keeping it alive. */
  dont_make_reusable?: boolean;
  /** Accepted for compatibility with Pluto 0.13 (see the README's deviations). */
  require_ecdhe?: boolean;
}

/** Response headers: Title-Cased names, repeated headers joined with ", ". */
export type PlutoHeaders = Record<string, string>;

/** Success: `[body, status, headers, statusText]`; any HTTP status counts as success. */
export type PlutoSuccess = [body: string, status: number, headers: PlutoHeaders, statusText: string];

/** Failure: `[null, reason]` with one of Pluto's reason strings. */
export type PlutoFailure = [body: null, reason: string];

export type PlutoResult = PlutoSuccess | PlutoFailure;
