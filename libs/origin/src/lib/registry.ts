import { createConnector, type Connector } from './connector.ts';
import { refusedBeforeLookup } from './destination-check.ts';
import { CourierError } from './errors.ts';
import { OriginActor, type ConnectorSource } from './origin-actor.ts';
import { proxyFor } from './proxy.ts';
import { tlsTag, type OriginId } from './origin-key.ts';
import type { PolicyResolver } from './policy.ts';
import type { ClientOptions, OriginSnapshot, TlsOptions } from './types.ts';

/**
 * Origin actors as independent top-level actors in a Map (DESIGN.md: spawning thousands of
 * children into one parent costs quadratically). An actor leaves the map when it is evicted
 * after its idle timeout or closed, so memory returns to baseline.
 *
 * The registry is the receptionist of redirect hand-offs: the next hop's origin actor is looked
 * up (or created) here, and the current actor's chart sends the hop to it (OriginActor.handOff).
 * Not one xstate system for all origins: a stopping actor cancels its delayed events by walking
 * every delayed event of its system (xstate 5's `scheduler.cancelAll`), so a shared system would
 * make evicting many idle origins (each with its eviction timer) quadratic.
 *
 * The map's order is the order of last use (an actor used again moves to the end), so when the
 * table is full the least recently used idle actor is found from the front and evicted: a
 * flood of one-off origins can not lock out real work.
 */
export class OriginRegistry implements ConnectorSource {
  readonly #actors = new Map<string, OriginActor>();
  readonly #policies: PolicyResolver;
  readonly #options: ClientOptions;
  readonly #maxOrigins: number;
  /** The actor used last: already at the end of the map, so using it again moves nothing. */
  #latest: OriginActor | null = null;

  constructor(policies: PolicyResolver, options: ClientOptions) {
    this.#policies = policies;
    this.#options = options;
    this.#maxOrigins = options.maxOrigins ?? 100_000;
  }

  get size(): number {
    return this.#actors.size;
  }

  get(key: string): OriginActor | undefined {
    return this.#actors.get(key);
  }

  /**
   * The live actor for an origin, created on first use. A destination the policy refuses
   * without DNS (an IP literal, `localhost`) gets no actor: `BLOCKED_DESTINATION`. Other names
   * are checked when a socket connects (and `dropUnused` forgets their actor if refused).
   */
  acquire(id: OriginId, tls = this.#options.tls): OriginActor {
    const existing = this.#actors.get(id.key);
    if (existing !== undefined && !existing.closed) {
      if (existing !== this.#latest) this.#markUsed(existing);
      return existing;
    }
    const allow = this.#options.allowAddress;
    const refused = allow ? refusedBeforeLookup(allow, id.hostname) : null;
    if (refused) throw refused;
    if (existing !== undefined) this.#actors.delete(id.key);
    if (this.#actors.size >= this.#maxOrigins && !this.#evictLeastRecentlyUsedIdle()) {
      throw new CourierError('TOO_MANY_ORIGINS', `more than ${this.#maxOrigins} origins are in use and none is idle; raise maxOrigins or wait for requests to finish`);
    }
    const actor = new OriginActor({
      id,
      policy: this.#policies.resolve(id.origin),
      connectors: this,
      tls,
      onEvicted: this.#forget,
      inspect: this.#options.inspect,
    });
    this.#actors.set(id.key, actor);
    this.#latest = actor;
    return actor;
  }

  /** Every actor's `onEvicted`: one function for all (a closure per actor is heap it keeps for nothing). */
  readonly #forget = (a: OriginActor): void => {
    if (this.#actors.get(a.id.key) === a) this.#actors.delete(a.id.key);
    if (this.#latest === a) this.#latest = null;
  };

  #markUsed(actor: OriginActor): void {
    this.#actors.delete(actor.id.key);
    this.#actors.set(actor.id.key, actor);
    this.#latest = actor;
  }

  /**
   * Under pressure: close the least recently used actor with no request in flight or queued and
   * no socket connecting. A busy actor met on the way is in use now, so it moves to the end.
   */
  #evictLeastRecentlyUsedIdle(): boolean {
    let budget = this.#actors.size;
    for (const actor of this.#actors.values()) {
      if (budget-- <= 0) break;
      if (!actor.closed && !isIdle(actor.snapshot())) {
        this.#markUsed(actor);
        continue;
      }
      this.#drop(actor);
      return true;
    }
    return false;
  }

  #drop(actor: OriginActor): void {
    this.#actors.delete(actor.id.key);
    if (this.#latest === actor) this.#latest = null;
    // Idle, so the close completes at once and releases its keep-alive sockets.
    if (!actor.closed) void actor.close();
  }

  /**
   * Forget an actor that never got a response and has nothing under way (a destination the
   * policy refused at connect time): refused names then leave no actor behind, as literals.
   */
  dropUnused(actor: OriginActor): void {
    if (this.#actors.get(actor.id.key) !== actor) return;
    const s = actor.snapshot();
    if (s.completed === 0 && isIdle(s) && s.sockets.connected === 0) this.#drop(actor);
  }

  readonly #connectors = new Map<string, Connector>();

  /** One connector per distinct connect setting, shared by the actors of this client. */
  connector(id: OriginId, tls: TlsOptions | undefined, preferIpv6: boolean, timeoutMs: number): Connector {
    const proxy = proxyFor(this.#options.proxy, id.protocol, id.hostname, id.port);
    const key = `${id.protocol}|${tlsTag(tls)}|${preferIpv6}|${timeoutMs}|${proxy?.href ?? ''}`;
    let connector = this.#connectors.get(key);
    if (!connector) {
      connector = createConnector({ tls, lookup: this.#options.lookup, allowAddress: this.#options.allowAddress, proxy, preferIpv6, timeoutMs });
      this.#connectors.set(key, connector);
    }
    return connector;
  }

  /** Actors whose origin (scheme, host, port) matches, whatever their TLS settings. */
  *byOrigin(origin: string): Iterable<OriginActor> {
    for (const actor of this.#actors.values()) if (actor.id.origin === origin) yield actor;
  }

  actors(): OriginActor[] {
    return [...this.#actors.values()];
  }

  snapshots(): OriginSnapshot[] {
    return this.actors().map((a) => a.snapshot());
  }
}

function isIdle(s: OriginSnapshot): boolean {
  return s.inFlight === 0 && s.queued === 0 && s.sockets.connecting === 0;
}
