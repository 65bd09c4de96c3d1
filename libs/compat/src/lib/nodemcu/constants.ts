/**
 * The module table of NodeMCU's ESP32 `http` (components/modules/http.c). Method numbers are
 * ESP-IDF v5.1.3's `esp_http_client_method_t`; only five have constants, but any number from 0
 * to 16 is accepted.
 */
export const methodNames: readonly string[] = [
  'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE',
  'OPTIONS', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PROPFIND', 'PROPPATCH', 'MKCOL',
];

export const GET = 0;
export const POST = 1;
export const PUT = 2;
export const DELETE = 4;
export const HEAD = 5;
/** Returned from a `data` callback in async mode: hold the transfer until `connection.ack()`. */
export const DELAYACK = -99;
/** Returned from a callback: acknowledge now (the default). */
export const ACKNOW = 0;

/** `User-Agent` set on every connection (overridable through headers). */
export const DEFAULT_USER_AGENT = 'NodeMCU (ESP32)';
/** Socket-operation timeout when none is given, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** What ESP-IDF substitutes for a timeout of 0, in milliseconds. */
export const IDF_ZERO_TIMEOUT_MS = 5_000;
/** Receive buffer: the most bytes one `data` callback gets. */
export const DEFAULT_BUFSZ = 512;
/** ESP-IDF's default redirect limit. */
export const DEFAULT_MAX_REDIRECTS = 10;
