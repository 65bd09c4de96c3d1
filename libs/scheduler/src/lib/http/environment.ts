import { readFileSync } from 'node:fs';
import { CourierError } from '@courier/origin';
import type { PlutoClientOptions } from './pluto-client.ts';

/**
 * Client options from the environment: `COURIER_CA_FILE` names a PEM file whose certificates
 * are trusted in addition to the system's. An unreadable file stops with a message naming it.
 */
export function plutoClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PlutoClientOptions {
  const caFile = env['COURIER_CA_FILE'];
  if (!caFile) return {};
  try {
    return { ca: readFileSync(caFile, 'utf8') };
  } catch (cause) {
    throw new CourierError('BAD_OPTION', `COURIER_CA_FILE: cannot read ${caFile}: ${(cause as Error).message}`, { cause });
  }
}
