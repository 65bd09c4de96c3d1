import { Client } from 'undici';
import { backstop } from './connect-deadline.ts';
import type { Connector } from './connector.ts';
import { isTlsCode } from './map-error.ts';
import { writePlutoHeads } from './pluto-head.ts';
import type { OriginPolicy } from './policy.ts';

export interface SocketEvents {
  connected(slot: SocketSlot): void;
  disconnected(slot: SocketSlot, error: Error | null): void;
  connectFailed(slot: SocketSlot, error: Error): void;
}

// undici needs a finite keep-alive; "no timeout" (Pluto's pool) is a very long one.
const NO_TIMEOUT_MS = 2 ** 31 - 1;

let nextSlotId = 1;

/**
 * One socket of an origin: an undici `Client` (one connection, ~1.8 KiB) rather than a `Pool`
 * (~18 KiB idle), so the actor itself decides which socket takes which request. Its connect,
 * disconnect and connectionError events are the truth the actor's state is driven from.
 */
export class SocketSlot {
  readonly id = nextSlotId++;
  readonly client: Client;
  /** May be kept alive and handed to later requests. */
  reusable: boolean;
  /**
   * Counted in the actor's tally of reusable sockets. `reusable` may be cleared on its own (a
   * response with `Connection: close`, an error): the tally follows this flag, so it cannot
   * keep counting a socket that is gone, and later sockets can be made reusable again.
   */
  countedReusable: boolean;
  /** A TCP (and TLS) connection is established right now. */
  connected = false;
  /** A connect is under way. */
  connecting = true;
  /** Never dispatched to again (disconnected, failed, or being closed). */
  retired = false;
  /** Requests dispatched and not yet finished. */
  running = 0;
  /** Requests finished on this socket. */
  served = 0;
  /** Whether the slot sits in the actor's idle list. */
  listedIdle = false;
  /**
   * A TLS alert the socket received (a TLS 1.3 server refuses a client certificate only after
   * the handshake): undici reports the close that follows as "other side closed", so the
   * exchange looks here to give the real cause.
   */
  tlsError: Error | null = null;

  constructor(origin: string, policy: OriginPolicy, connector: Connector, reusable: boolean, events: SocketEvents) {
    this.reusable = reusable;
    this.countedReusable = reusable;
    const keepAlive = policy.keepAliveTimeoutMs > 0 ? policy.keepAliveTimeoutMs : NO_TIMEOUT_MS;
    this.client = new Client(origin, {
      connect: (options, callback) =>
        connector(options, (err, socket) => {
          socket?.on('error', (e: NodeJS.ErrnoException) => {
            if (typeof e.code === 'string' && isTlsCode(e.code)) this.tlsError = e;
          });
          if (socket && policy.plutoRequestHead) writePlutoHeads(socket);
          callback(err, socket as never);
        }),
      pipelining: policy.pipelining,
      keepAliveTimeout: keepAlive,
      // A server's Keep-Alive hint may shorten the timeout, never lengthen it.
      keepAliveMaxTimeout: keepAlive,
      // Each exchange times its own phases precisely (exchange.ts); undici's timers are the backstop.
      headersTimeout: backstop(policy.headersTimeoutMs),
      bodyTimeout: backstop(policy.bodyTimeoutMs),
      maxHeaderSize: policy.maxHeaderBytes,
    });
    // The actor keeps the flags and its counters in step; the slot only reports.
    this.client.on('connect', () => events.connected(this));
    this.client.on('disconnect', (_origin, _targets, err) => events.disconnected(this, err ?? null));
    this.client.on('connectionError', (_origin, _targets, err) => events.connectFailed(this, err));
  }

  /** Graceful: finish what runs, then close the socket. */
  close(): void {
    this.retired = true;
    this.client.close().catch(() => {});
  }

  /** Abort what runs and close now. */
  destroy(err?: Error): void {
    this.retired = true;
    this.client.destroy(err ?? null).catch(() => {});
  }
}
