import { CourierError } from './errors.ts';
import { createConnector, type Connector } from './connector.ts';
import { OriginActor, type ConnectorSource } from './origin-actor.ts';
import { proxyFor } from './proxy.ts';
import { tlsTag, type OriginId } from './origin-key.ts';
import type { PolicyResolver } from './policy.ts';
import type { ClientOptions, OriginSnapshot, TlsOptions } from './types.ts';

/**
 * Origin actors as independent top-level actors in a Map (DESIGN.md: spawning thousands of
 * children into one parent costs quadratically). An actor leaves the map when it is evicted
 * after its idle timeout or closed, so memory returns to baseline.
 */
export class OriginRegistry implements ConnectorSource {
  readonly #actors = new Map<string, OriginActor>();
  readonly #policies: PolicyResolver;
  readonly #options: ClientOptions;
  readonly #maxOrigins: number;

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

  /** The live actor for an origin, created on first use. */
  acquire(id: OriginId, tls = this.#options.tls): OriginActor {
    const existing = this.#actors.get(id.key);
    if (existing !== undefined && !existing.closed) return existing;
    if (this.#actors.size >= this.#maxOrigins) {
      throw new CourierError('TOO_MANY_ORIGINS', `more than ${this.#maxOrigins} origins are in use; raise maxOrigins or wait for idle ones to be evicted`);
    }
    const actor = new OriginActor({
      id,
      policy: this.#policies.resolve(id.origin),
      connectors: this,
      tls,
      onEvicted: (a) => {
        if (this.#actors.get(a.id.key) === a) this.#actors.delete(a.id.key);
      },
      inspect: this.#options.inspect,
    });
    this.#actors.set(id.key, actor);
    return actor;
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
