import type { Client } from '@courier/origin';
import fp from 'fastify-plugin';
import { CampaignsSource } from '../dashboard/campaigns.ts';
import { dashboardDefaults } from '../dashboard/defaults.ts';
import { DashboardHub, type DashboardHello } from '../dashboard/hub.ts';
import { dashboardPage } from '../dashboard/page.ts';
import type { Viewer } from '../dashboard/viewer.ts';
import type { EventStream } from './event-streams.ts';
import { dashboardRoutes } from '../routes/v1/dashboard/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    dashboard: DashboardService;
  }
}

export interface DashboardService {
  readonly hello: DashboardHello;
  /** Adds an open dashboard page to the update loop. */
  add(viewer: Viewer): void;
  /** Counts an inspector stream while it is open. */
  trackInspector(stream: EventStream): void;
  /** Dashboard pages open now. */
  readonly viewers: number;
  /** Inspector panes open now (each watches one origin's actors). */
  readonly inspectors: number;
}

export interface DashboardPluginOptions {
  /** This process's origin client (the inspector follows its actors); without it the inspector answers 404. */
  client?: Client | undefined;
  /** The API token, so the dashboard can read the campaigns API through the app like any caller. */
  token: string | undefined;
  /** Interval of origin-table updates, in milliseconds. */
  tickMs?: number;
  /** Interval of the inspector's actor lookups, in milliseconds. */
  inspectRecheckMs?: number;
}

/**
 * The live dashboard: the page at `/` and its static files, one server-sent event stream for
 * every open page (`/v1/dashboard/events`: origins diffed a few times a second, queue counts and
 * throughput, campaigns), and the per-origin inspector (`/v1/dashboard/inspect`).
 */
export const dashboardPlugin = fp<DashboardPluginOptions>(
  async (app, options) => {
    const authorization = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    const campaigns = new CampaignsSource(async (url) => {
      const answer = await app.inject({ method: 'GET', url, headers: authorization });
      let body: unknown;
      try {
        body = answer.json();
      } catch {
        body = undefined;
      }
      return { status: answer.statusCode, body };
    });
    const hub = new DashboardHub({
      origins: app.origins,
      queue: app.queue,
      campaigns,
      tickMs: options.tickMs ?? dashboardDefaults.tickMs,
      log: app.log,
    });
    let inspectors = 0;
    app.decorate('dashboard', {
      get hello() {
        return hub.hello;
      },
      add: (viewer) => hub.add(viewer),
      trackInspector(stream) {
        inspectors += 1;
        stream.onClose(() => {
          inspectors -= 1;
        });
      },
      get viewers() {
        return hub.viewers;
      },
      get inspectors() {
        return inspectors;
      },
    } satisfies DashboardService);
    app.addHook('preClose', async () => {
      await hub.close();
    });

    await app.register(dashboardPage);
    await app.register(dashboardRoutes, {
      prefix: '/v1/dashboard',
      client: options.client,
      inspectRecheckMs: options.inspectRecheckMs ?? dashboardDefaults.inspectRecheckMs,
    });
  },
  { name: 'courier-dashboard', fastify: '5.x', dependencies: ['courier-auth', 'courier-queue', 'courier-origins', 'courier-event-streams'] },
);
