/** The dashboard's defaults in one place (STYLE §7). */
export const dashboardDefaults = {
  /** Interval of origin-table updates, in milliseconds ("a few times a second"); queue counts and campaigns follow every second. */
  tickMs: 500,
  /** Interval at which the inspector looks its origin's actors up again, in milliseconds. */
  inspectRecheckMs: 1_000,
} as const;
