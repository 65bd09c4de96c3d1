import { channels, type RequestEndMessage } from '@courier/origin';
import type { QueueDriver } from '@courier/queue';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Counter, Registry } from 'prom-client';
import { TopOrigins } from '../metrics/top-origins.ts';
import type { OriginsView } from '../origins/origins-view.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export interface MetricsOptions {
  queue: QueueDriver;
  origins: OriginsView;
  /** Origins with their own series; the rest are summed under `origin="other"`. */
  topOrigins: number;
}

/**
 * A bounded label: the error code, the status class, or `response` when the origin lib reports
 * no status (it publishes 0 for now; requested from the lead).
 */
function outcomeOf(m: RequestEndMessage): string {
  if (m.error !== null) return m.error;
  if (m.status !== null && m.status >= 100 && m.status <= 599) return `${Math.floor(m.status / 100)}xx`;
  return 'response';
}

interface OriginSummary {
  actors: number;
  /** At most `top` origins by name, then `other` with the rest summed. */
  series: Array<{ origin: string; inFlight: number; queued: number }>;
}

/** Sums snapshots per origin (a fleet has one per worker) and keeps the busiest `top` by name. */
async function summariseOrigins(view: OriginsView, top: number): Promise<OriginSummary> {
  const byOrigin = new Map<string, { origin: string; inFlight: number; queued: number }>();
  let actors = 0;
  for (const o of await view.list()) {
    actors += 1;
    const sum = byOrigin.get(o.origin) ?? { origin: o.origin, inFlight: 0, queued: 0 };
    sum.inFlight += o.inFlight;
    sum.queued += o.queued;
    byOrigin.set(o.origin, sum);
  }
  const ranked = [...byOrigin.values()].sort((a, b) => b.inFlight + b.queued - (a.inFlight + a.queued));
  const series = ranked.slice(0, top);
  if (ranked.length > top) {
    const rest = ranked.slice(top);
    series.push({ origin: TopOrigins.other, inFlight: rest.reduce((n, s) => n + s.inFlight, 0), queued: rest.reduce((n, s) => n + s.queued, 0) });
  }
  return { actors, series };
}

/** Latency buckets in seconds: loopback sub-millisecond calls up to slow downloads. */
const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Prometheus metrics in a registry of the app's own (two apps in one process, as in tests, do
 * not collide). Queue counts and per-origin in-flight are read when scraped; request latency
 * comes from the origin lib's `courier:request:end` diagnostics channel, so it covers requests
 * run by this process (the in-process worker); workers on other machines report their own.
 */
export const metricsPlugin = fp<MetricsOptions>(
  async (app, options) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'courier_' });
    const top = new TopOrigins(options.topOrigins);

    new Gauge({
      name: 'courier_jobs',
      help: 'Jobs in the queue by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const counts = await options.queue.counts();
          for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
        } catch (error) {
          app.log.warn({ err: error }, 'metrics: queue counts unavailable');
        }
      },
    });

    // The registry collects every metric at once, so the three per-origin gauges share one
    // snapshot per scrape instead of each reading the (possibly fleet-wide, Redis-held) view.
    let pendingSummary: Promise<OriginSummary> | undefined;
    const summary = () => {
      pendingSummary ??= summariseOrigins(options.origins, options.topOrigins)
        .catch((error: unknown) => {
          app.log.warn({ err: error }, 'metrics: origin snapshots unavailable');
          return { actors: 0, series: [] };
        })
        .finally(() => {
          pendingSummary = undefined;
        });
      return pendingSummary;
    };
    new Gauge({
      name: 'courier_origin_actors',
      help: `Origin actors alive (${options.origins.scope} view)`,
      registers: [registry],
      async collect() {
        this.set((await summary()).actors);
      },
    });
    for (const field of ['inFlight', 'queued'] as const) {
      new Gauge({
        name: field === 'inFlight' ? 'courier_origin_in_flight' : 'courier_origin_queued',
        help: `${field === 'inFlight' ? 'Requests in flight' : 'Requests waiting for a socket'} per origin (top N origins, the rest as "other")`,
        labelNames: ['origin'] as const,
        registers: [registry],
        async collect() {
          const { series } = await summary();
          this.reset();
          for (const s of series) this.set({ origin: s.origin }, s[field]);
        },
      });
    }

    // Ranking again at scrape time retires origins that fell out of the top N (registered before the histogram, so the
    // retired series are gone from this very scrape).
    new Gauge({
      name: 'courier_metrics_tracked_origins',
      help: 'Origins with their own latency series',
      registers: [registry],
      collect() {
        for (const origin of top.rank()) latency.remove({ origin });
        this.set(options.topOrigins);
      },
    });

    const latency = new Histogram({
      name: 'courier_request_duration_seconds',
      help: 'Duration of requests run in this process, all redirect hops included (top N origins by volume, the rest as "other")',
      labelNames: ['origin'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    });
    const outcomes = new Counter({
      name: 'courier_request_outcomes_total',
      help: 'Requests run in this process by outcome: status class or error code',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const onRequestEnd = (message: unknown) => {
      const m = message as RequestEndMessage;
      latency.observe({ origin: top.observe(m.origin) }, m.durationMs / 1000);
      outcomes.inc({ outcome: outcomeOf(m) });
    };
    channels.requestEnd.subscribe(onRequestEnd);
    app.addHook('onClose', async () => {
      channels.requestEnd.unsubscribe(onRequestEnd);
    });

    app.decorate('metrics', registry);
  },
  { name: 'courier-metrics', fastify: '5.x' },
);
