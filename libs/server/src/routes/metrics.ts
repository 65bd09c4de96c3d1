import type { FastifyPluginAsync } from 'fastify';

/** `GET /metrics` in the Prometheus text format (behind the token, like every route but /healthz). */
export const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('content-type', app.metrics.contentType);
    return app.metrics.metrics();
  });
};
