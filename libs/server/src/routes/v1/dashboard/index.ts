import { isCourierError, remoteToUrl, type Client } from '@courier/origin';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { inspectOrigin } from '../../../dashboard/inspector.ts';
import { Viewer } from '../../../dashboard/viewer.ts';
import { ApiError } from '../../../http/api-error.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';

export interface DashboardRoutesOptions {
  /** This process's origin client: the inspector follows its actors (no client → no inspector). */
  client: Client | undefined;
  /** Interval of the inspector's actor lookups, in milliseconds. */
  inspectRecheckMs: number;
}

const inspectQuery = z.strictObject({
  origin: z.string({ error: 'is required (a URL or host[:port])' }).min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'),
});

/**
 * The dashboard's API: its one event stream, the inspector's stream for one origin, and a
 * public "am I signed in?" probe so the page can show its login box without provoking a 401.
 * The actions (close connections, drain one origin) are the ordinary `DELETE /v1/connections`.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (plain, options) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  // What the page is told first (also the probe below: it is behind the token like every route).
  app.get('/', async () => app.dashboard.hello);

  app.get('/events', async (request, reply) => {
    const stream = app.eventStreams.open(request, reply);
    app.dashboard.add(new Viewer(stream, reply.raw));
    return reply;
  });

  app.get('/inspect', { schema: { querystring: inspectQuery } }, async (request, reply) => {
    const client = options.client;
    if (client === undefined) throw new ApiError('NOT_FOUND', 'no origin client in this process: the inspector follows local actors only', 404);
    try {
      remoteToUrl(request.query.origin);
    } catch (error) {
      if (isCourierError(error)) throw new ApiError(error.code, `query.origin: ${error.message}`, 400, { field: 'query.origin' });
      throw error;
    }
    const stream = app.eventStreams.open(request, reply);
    app.dashboard.trackInspector(stream);
    inspectOrigin(client, request.query.origin, stream, { recheckMs: options.inspectRecheckMs });
    return reply;
  });

  // Asks the app itself whether this request's cookie passes the auth hook, so the check stays the auth plugin's.
  app.get('/session', { config: { public: true } }, async (request) => {
    if (!app.auth.enabled) return { auth: false, signedIn: true };
    const cookie = request.headers.cookie;
    if (cookie === undefined) return { auth: true, signedIn: false };
    const probe = await app.inject({ method: 'GET', url: '/v1/dashboard', headers: { cookie } });
    return { auth: true, signedIn: probe.statusCode === 200 };
  });
};
