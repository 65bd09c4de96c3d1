import { setTimeout as delay } from 'node:timers/promises';
import { CourierError } from '@courier/origin';

/** Waits `ms` milliseconds; an abort rejects with `ABORTED`. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    if (signal?.aborted) throw abortedError(signal);
    return;
  }
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    throw abortedError(signal, error);
  }
}

export function abortedError(signal: AbortSignal | undefined, cause?: unknown): CourierError {
  const reason: unknown = signal?.reason ?? cause;
  if (reason instanceof CourierError && reason.code === 'ABORTED') return reason;
  return new CourierError('ABORTED', 'the download was aborted', { cause: reason });
}

/** Exponential backoff with full jitter between half and all of the step, in milliseconds. */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}
