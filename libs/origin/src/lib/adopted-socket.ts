import type { Socket } from 'node:net';

/**
 * A socket opened through an origin actor's connector (its DNS, destination policy, TLS
 * settings and proxy) but driven by someone else — Eryx's one persistent connection per object,
 * whose 100-continue path undici cannot run. The actor counts it in its snapshot and in
 * `hasConnection`, so every socket to an origin is visible in one place.
 */
export interface AdoptedSocket {
  readonly socket: Socket;
  /** It may still be kept alive (false once it was retired, e.g. by `closeConnections()`). */
  readonly reusable: boolean;
  /** A request is running on it (it counts as busy and in flight). */
  setBusy(busy: boolean): void;
  /** It may be kept alive for a later request (what `hasConnection` reports). */
  setReusable(reusable: boolean): void;
  /** Stop counting it (also done when the socket closes); does not close it. */
  release(): void;
}

/** The actor's side of an adopted socket. */
export interface AdoptedSocketOwner {
  adoptedChanged(record: AdoptedRecord, change: 'busy' | 'idle' | 'reusable' | 'released'): void;
}

export class AdoptedRecord implements AdoptedSocket {
  busy = false;
  reusable = true;
  released = false;
  /** Retired by the actor (closeConnections, close): closed as soon as it is idle. */
  retired = false;
  readonly socket: Socket;
  readonly #owner: AdoptedSocketOwner;

  constructor(socket: Socket, owner: AdoptedSocketOwner) {
    this.socket = socket;
    this.#owner = owner;
    socket.once('close', () => this.release());
  }

  setBusy(busy: boolean): void {
    if (this.released || this.busy === busy) return;
    this.busy = busy;
    this.#owner.adoptedChanged(this, busy ? 'busy' : 'idle');
  }

  setReusable(reusable: boolean): void {
    if (this.released || this.reusable === reusable) return;
    this.reusable = reusable;
    this.#owner.adoptedChanged(this, 'reusable');
  }

  release(): void {
    if (this.released) return;
    if (this.busy) this.setBusy(false);
    this.released = true;
    this.#owner.adoptedChanged(this, 'released');
  }
}
