import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: ShutdownState;
  }
}

export interface ShutdownState {
  /** Aborted when `close()` begins: long polls answer at once, event streams end. */
  readonly signal: AbortSignal;
  /** Responses under way right now (event streams included until they end). */
  readonly inFlight: number;
}

export interface ShutdownOptions {
  /** Longest wait for responses under way before the remaining connections are cut, in milliseconds. */
  drainTimeoutMs: number;
}

/**
 * A graceful close that does not depend on clients: Fastify's `forceCloseConnections: 'idle'`
 * leaves idle keep-alive sockets to Node's `closeIdleConnections()`, which on Node 20 was seen
 * to miss some after an event stream on another socket was cut (the close then waited for the
 * client's keep-alive timeout). So: count responses under way, let them finish (long polls and
 * event streams are told to stop through `signal`), then the app is built with
 * `forceCloseConnections: true`, which destroys every socket left.
 */
export const shutdownPlugin = fp<ShutdownOptions>(
  async (app, options) => {
    const controller = new AbortController();
    let inFlight = 0;
    let drained: (() => void) | undefined;

    app.addHook('onRequest', async (_request, reply) => {
      inFlight += 1;
      // 'close' fires once per response, finished or cut, hijacked ones included.
      reply.raw.once('close', () => {
        inFlight -= 1;
        if (inFlight === 0) drained?.();
      });
    });

    app.decorate('shutdown', {
      signal: controller.signal,
      get inFlight() {
        return inFlight;
      },
    });

    app.addHook('preClose', async () => {
      controller.abort();
      if (inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        drained = resolve;
        timer = setTimeout(() => {
          app.log.warn({ inFlight }, 'shutdown: responses still under way after the drain timeout; cutting them');
          resolve();
        }, options.drainTimeoutMs);
      });
      clearTimeout(timer);
    });
  },
  { name: 'courier-shutdown', fastify: '5.x' },
);
