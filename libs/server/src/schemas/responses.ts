import { z } from 'zod';

/**
 * Response schemas of the small answers: the serializer parses every body against its route's
 * schema, so a route can't send a field it did not declare. Job records are the queue lib's
 * `JobRecord` (its own contract) and go out as they are, credentials already redacted.
 */
export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), retryAfter: z.number().optional() }),
});

export const cancelResponse = z.object({ id: z.string(), cancelled: z.literal(true) });
export const retryResponse = z.object({ id: z.string(), retried: z.literal(true) });

export const hasConnectionResponse = z.object({ remote: z.string(), hasConnection: z.boolean(), scope: z.enum(['local', 'fleet']) });
export const closeConnectionsResponse = z.object({
  closed: z.literal(true),
  remote: z.string().nullable(),
  scope: z.enum(['local', 'fleet']),
  workers: z.number().int(),
  missing: z.array(z.string()),
});

export const sessionResponse = z.union([z.object({ auth: z.literal(false) }), z.object({ auth: z.literal(true), expiresAt: z.string() })]);
export const sessionEndResponse = z.object({ auth: z.boolean(), ended: z.literal(true) });

export const healthResponse = z.object({ status: z.literal('ok'), queue: z.enum(['memory', 'bullmq']), uptimeSeconds: z.number() });
export const unhealthyResponse = z.object({ status: z.literal('unavailable'), queue: z.enum(['memory', 'bullmq']), error: errorResponse.shape.error });
