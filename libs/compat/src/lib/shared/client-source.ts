import { readFileSync } from 'node:fs';
import { createClient, CourierError, type Client } from '@courier/origin';
import { tlsOptionsOf } from './tls.ts';

/** A client, or a function giving one when the first request needs it (the default facades). */
export type ClientSource = Client | (() => Client);

export function resolveClient(source: ClientSource): Client {
  return typeof source === 'function' ? source() : source;
}

let shared: Client | null = null;

/**
 * The client behind the default `nodemcu.http`, `luatos.http` and `eryx` objects, built on first
 * use from the environment as the Pluto facade's is: `COURIER_CA_FILE` names a PEM file of CAs
 * trusted on top of the system's. Facades over another client come from `create…Http(client)`.
 */
export function defaultClient(): Client {
  if (shared) return shared;
  const ca = defaultExtraCa();
  shared = createClient(ca === undefined ? {} : { tls: tlsOptionsOf({ ca }) });
  return shared;
}

/** The PEM named by `COURIER_CA_FILE`, read once. */
export function defaultExtraCa(): string | undefined {
  const file = process.env['COURIER_CA_FILE'];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CourierError('BAD_OPTION', `COURIER_CA_FILE ${JSON.stringify(file)} cannot be read`, { cause });
  }
}
