/**
 * Pluto prints warnings (`warn(...)`, `pluto_warning`) and carries on; Node's equivalent is
 * `process.emitWarning`. Each warning has a stable code so callers can filter them
 * (`process.on('warning', w => w.code === …)`) or silence them (`--disable-warning=CODE`).
 */
export const WarningCode = {
  /** A coroutine yielded or returned values to the scheduler (reference §5.2). */
  YIELDED_VALUES: 'COURIER_PLUTO_YIELDED_VALUES',
  /** `http.request` got an option key it does not know (reference §1.2). */
  UNKNOWN_OPTION: 'COURIER_PLUTO_UNKNOWN_OPTION',
} as const;

export type WarningCode = (typeof WarningCode)[keyof typeof WarningCode];

/** The warning's `name` (Node prints it as `PlutoWarning: message`). */
export const warningType = 'PlutoWarning';

export function emitPlutoWarning(message: string, code: WarningCode): void {
  process.emitWarning(message, { type: warningType, code });
}

export const yieldedValuesMessage = 'Coroutine yielded values to scheduler. Discarding them.';
