import type { FastifyPluginAsync } from 'fastify';

/**
 * Every job's progress and state changes as server-sent events (`progress`, `active`,
 * `completed`, `failed`, …), for the dashboard and for scripts that follow a whole batch.
 */
export const eventsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    const stream = app.eventStreams.open(request, reply);
    const unsubscribe = app.queue.subscribe((event) => stream.send(event.type, event));
    stream.onClose(unsubscribe);
    stream.send('hello', { queue: app.queue.name });
    return reply;
  });
};
