import { isCourierError, withoutUserinfo } from '@courier/origin';
import { redactUserinfo } from '@courier/queue';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../../../http/api-error.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';
import { closeConnectionsResponse, hasConnectionResponse } from '../../../schemas/responses.ts';

const remote = z.string({ error: 'is required (a URL or host[:port])' }).min(1, 'must not be empty').max(2048, 'must be at most 2048 characters');

/** A bad remote is the caller's mistake: 400 naming the query field, with the origin lib's code (and never the remote's userinfo). */
function remoteError(error: unknown): never {
  if (isCourierError(error) && error.code !== 'INTERNAL') {
    throw new ApiError(error.code, `query.remote: ${redactUserinfo(error.message)}`, 400, { field: 'query.remote' });
  }
  throw error;
}

/** Pluto's `http.hasconnection` and `http.closeconnections` over HTTP. */
export const connectionsRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  app.get('/', { schema: { querystring: z.strictObject({ remote }), response: { 200: hasConnectionResponse } } }, async (request) => {
    const hasConnection = await app.origins.hasConnection(request.query.remote).catch(remoteError);
    return { remote: withoutUserinfo(request.query.remote), hasConnection, scope: app.origins.scope };
  });

  // Resolves once the requests in flight at the call have finished (every live worker's, in the fleet view).
  app.delete('/', { schema: { querystring: z.strictObject({ remote: remote.optional() }), response: { 200: closeConnectionsResponse } } }, async (request) => {
    const outcome = await app.origins.closeConnections(request.query.remote).catch(remoteError);
    return { closed: true as const, remote: request.query.remote === undefined ? null : withoutUserinfo(request.query.remote), scope: app.origins.scope, workers: outcome.workers, missing: outcome.missing };
  });
};
