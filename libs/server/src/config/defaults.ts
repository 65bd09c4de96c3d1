/** Defaults in one place (STYLE §7); `env.ts` documents each variable that overrides one. */
export const defaults = {
  /** TCP port of the HTTP API. */
  port: 8080,
  /** Listen address: loopback unless told otherwise, so an unauthenticated API is not exposed by accident. */
  host: '127.0.0.1',
  /** Jobs in flight per worker. */
  concurrency: 16,
  /** Largest API request body, in bytes (a batch of jobs with bodies included). */
  bodyLimitBytes: 10 * 1024 * 1024,
  /** Most jobs in one `POST /v1/requests` batch. */
  maxBatch: 1_000,
  /** Longest a `?wait=` long poll is held, in milliseconds (the caller asks again). */
  maxWaitMs: 60_000,
  /** Lifetime of a session cookie from `POST /v1/session`, in seconds. */
  sessionTtlSeconds: 12 * 60 * 60,
  /** Origins that get their own Prometheus series; the rest share `origin="other"`. */
  metricsTopOrigins: 20,
  /** Interval between SSE keep-alive comments, in milliseconds (proxies drop silent streams). */
  sseHeartbeatMs: 15_000,
  /** On close, longest wait for responses under way before their sockets are cut, in milliseconds. */
  drainTimeoutMs: 10_000,
  /** Most failed jobs one `GET /v1/requests?state=failed` page returns. */
  maxListPage: 500,
  logLevel: 'info',
} as const;
