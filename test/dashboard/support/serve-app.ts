// The app under test on a loopback port for the browser, optionally answering GET /v1/campaigns
// with a stand-in (behind the same auth: the hook runs after the token check is registered).
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Starts the app on 127.0.0.1 (a free port) and returns its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Makes `GET /v1/campaigns` answer `standIn`, so the campaigns panel draws exactly what a test wants. */
export function standInCampaigns(app: FastifyInstance, standIn: unknown): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' && request.url === '/v1/campaigns') return reply.send(standIn);
  });
}
