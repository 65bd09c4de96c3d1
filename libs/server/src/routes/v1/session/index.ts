import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { bearerToken } from '../../../auth/token.ts';
import { ApiError } from '../../../http/api-error.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';
import { sessionEndResponse, sessionResponse } from '../../../schemas/responses.ts';

const sessionBody = z.strictObject({ token: z.string({ error: 'must be a string' }).max(4096).optional() }).nullable();

/**
 * Exchanges the token for an HttpOnly, SameSite=Strict cookie naming a server-side session
 * (browsers' EventSource and the dashboard can't send an Authorization header); `DELETE` ends
 * that session for good. Public, since it checks the token itself.
 */
export const sessionRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  app.post('/', { config: { public: true }, schema: { body: sessionBody, response: { 200: sessionResponse } } }, async (request, reply) => {
    if (!app.auth.enabled) return { auth: false as const };
    const given = request.body?.token ?? bearerToken(request.headers.authorization);
    if (given === undefined) throw new ApiError('UNAUTHORIZED', 'missing token: send { "token": "…" } or "Authorization: Bearer …"', 401);
    if (!app.auth.tokenMatches(given)) throw new ApiError('UNAUTHORIZED', 'wrong token', 401);
    const expiresAt = app.auth.startSession(request, reply);
    return { auth: true as const, expiresAt: new Date(expiresAt).toISOString() };
  });

  app.delete('/', { config: { public: true }, schema: { response: { 200: sessionEndResponse } } }, async (request, reply) => {
    app.auth.endSession(request, reply);
    return { auth: app.auth.enabled, ended: true as const };
  });
};
