import type { EnqueueOptions } from '@courier/queue';

interface WithEnqueueOptions {
  idempotencyKey?: string | undefined;
  attempts?: number | undefined;
  delayMs?: number | undefined;
  priority?: number | undefined;
  kind?: unknown;
}

/** Splits an API job into its job fields and the queue's enqueue options (`kind` is set by the route). */
export function splitEnqueueOptions<T extends WithEnqueueOptions>(job: T): { fields: Omit<T, keyof WithEnqueueOptions>; options: EnqueueOptions } {
  const { idempotencyKey, attempts, delayMs, priority, kind: _kind, ...fields } = job;
  const options: EnqueueOptions = {};
  if (idempotencyKey !== undefined) options.idempotencyKey = idempotencyKey;
  if (attempts !== undefined) options.attempts = attempts;
  if (delayMs !== undefined) options.delayMs = delayMs;
  if (priority !== undefined) options.priority = priority;
  return { fields, options };
}
