import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';

const originsQuery = z.strictObject({
  /** Only origins whose `scheme://host:port` contains this text. */
  filter: z.string().max(512).optional(),
  /** At most this many rows, busiest first. */
  limit: z.coerce.number().int('must be an integer').min(1).max(100_000).optional(),
});

/** Snapshots of the origin actors: this process's (in-memory driver) or the whole fleet's (Redis). */
export const originsRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  app.get('/', { schema: { querystring: originsQuery } }, async (request) => {
    const { filter, limit } = request.query;
    let origins = await app.origins.list();
    if (filter !== undefined) origins = origins.filter((o) => o.origin.includes(filter));
    const total = origins.length;
    if (limit !== undefined) {
      origins = origins.sort((a, b) => b.inFlight + b.queued - (a.inFlight + a.queued)).slice(0, limit);
    }
    return { scope: app.origins.scope, total, origins };
  });
};
