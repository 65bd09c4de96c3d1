/**
 * BullMQ keeps one string per failure (`failedReason`, shown as is on dashboards). The error's
 * code — and HTTP status — travel at its head, `[CODE] message` or `[HTTP_STATUS 404] message`,
 * so a record read back carries the same `JobError`.
 */
import { errorCodes, type ErrorCode } from '@courier/origin';
import type { JobError } from '../driver.ts';

const reasonRe = /^\[([A-Z_]+)(?: (\d{3}))?\] ([\s\S]*)$/;
const knownCodes: ReadonlySet<string> = new Set(errorCodes);

export function encodeFailedReason(error: JobError): string {
  return `[${error.code}${error.status === undefined ? '' : ` ${error.status}`}] ${error.message}`;
}

export function decodeFailedReason(reason: string | undefined | null): JobError | undefined {
  if (!reason) return undefined;
  const match = reasonRe.exec(reason);
  if (!match || !knownCodes.has(match[1]!)) return { code: 'INTERNAL', message: reason };
  const error: JobError = { code: match[1] as ErrorCode, message: match[3]! };
  if (match[2]) error.status = Number(match[2]);
  return error;
}
