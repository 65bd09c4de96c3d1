import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    eventStreams: EventStreams;
  }
}

export interface EventStream {
  /** Writes one server-sent event; a no-op once the stream is closed. */
  send(event: string, data: unknown): void;
  /** Ends the response (the client sees the stream finish). Idempotent. */
  close(): void;
  readonly closed: boolean;
  /** Runs once when the stream ends, whoever ends it (client gone, route, server closing). */
  onClose(listener: () => void): void;
}

export interface EventStreams {
  /** Takes over the reply and starts a `text/event-stream` response. */
  open(request: FastifyRequest, reply: FastifyReply): EventStream;
  /** Streams open now. */
  readonly size: number;
  /** Resolves once no stream is open (at once when none is). */
  whenNoneOpen(): Promise<void>;
}

export interface EventStreamsOptions {
  /** Interval of keep-alive comments, in milliseconds (idle proxies cut silent streams). */
  heartbeatMs: number;
  /** A client this far behind, in buffered bytes, is cut off instead of growing memory. */
  maxBufferedBytes?: number;
}

/**
 * Server-sent events (written by hand: the format is four lines of text, and the one thing a
 * library would add — reconnection ids — the queue's events do not have). Open streams are
 * tracked so `app.close()` ends them first; otherwise the server would wait on them forever.
 */
export const eventStreamsPlugin = fp<EventStreamsOptions>(
  async (app, options) => {
    const open = new Set<EventStream>();
    const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    const noneOpenWaiters: Array<() => void> = [];

    app.decorate('eventStreams', {
      get size() {
        return open.size;
      },
      whenNoneOpen() {
        if (open.size === 0) return Promise.resolve();
        return new Promise<void>((resolve) => noneOpenWaiters.push(resolve));
      },
      open(request, reply) {
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // nginx buffers responses unless told not to; events would arrive in bursts.
          'x-accel-buffering': 'no',
          // Events carry upstream headers and error text: never let a browser take them for another type.
          'x-content-type-options': 'nosniff',
        });
        res.write('retry: 3000\n\n');
        const listeners: Array<() => void> = [];
        let closed = false;
        const heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);
        heartbeat.unref();

        const stream: EventStream = {
          get closed() {
            return closed;
          },
          send(event, data) {
            // JSON never contains a raw newline, so one `data:` line carries the whole event.
            write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
          },
          close() {
            if (closed) return;
            closed = true;
            clearInterval(heartbeat);
            open.delete(stream);
            if (open.size === 0) for (const resolve of noneOpenWaiters.splice(0)) resolve();
            if (!res.writableEnded) res.end();
            for (const listener of listeners.splice(0)) {
              try {
                listener();
              } catch (error) {
                request.log.error({ err: error }, 'event stream close listener failed');
              }
            }
          },
          onClose(listener) {
            if (closed) listener();
            else listeners.push(listener);
          },
        };

        function write(chunk: string): void {
          if (closed) return;
          if (res.writableLength > maxBuffered) {
            request.log.warn('event stream client too slow, closing');
            stream.close();
            return;
          }
          res.write(chunk);
        }

        open.add(stream);
        // The response's 'close' (not the request's, which fires once its body is read) means the client left.
        res.on('close', () => stream.close());
        return stream;
      },
    });

    // Streams end as soon as shutdown starts, so the drain does not wait on them.
    app.shutdown.signal.addEventListener('abort', () => {
      for (const stream of [...open]) stream.close();
    });
  },
  { name: 'courier-event-streams', fastify: '5.x', dependencies: ['courier-shutdown'] },
);
