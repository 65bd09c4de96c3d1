import type { FastifyPluginAsync } from 'fastify';
import { healthResponse, unhealthyResponse } from '../schemas/responses.ts';

/** How long the queue may take to answer a health probe, in milliseconds. */
const probeTimeoutMs = 2_000;

/**
 * `GET /healthz`: public, cheap, and honest — 200 when the queue answers, 503 when it does not
 * (a server that can't reach Redis can't take jobs, so the load balancer should look elsewhere).
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { config: { public: true }, logLevel: 'warn', schema: { response: { 200: healthResponse, 503: unhealthyResponse } } }, async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
    });
    try {
      await Promise.race([app.queue.counts(), timeout]);
      return { status: 'ok', queue: app.queue.name, uptimeSeconds: Math.round(process.uptime()) };
    } catch (error) {
      app.log.warn({ err: error }, 'health: queue unavailable');
      return reply.code(503).send({ status: 'unavailable', queue: app.queue.name, error: { code: 'QUEUE_UNAVAILABLE', message: 'queue unavailable' } });
    } finally {
      clearTimeout(timer);
    }
  });
};
