import fp from 'fastify-plugin';
import type { OriginsView } from '../origins/origins-view.ts';

declare module 'fastify' {
  interface FastifyInstance {
    origins: OriginsView;
  }
}

export interface OriginsPluginOptions {
  origins: OriginsView;
}

/** The origin actors the API reports on: this process's client, or the fleet's published state. */
export const originsPlugin = fp<OriginsPluginOptions>(
  async (app, options) => {
    app.decorate('origins', options.origins);
  },
  { name: 'courier-origins', fastify: '5.x' },
);
