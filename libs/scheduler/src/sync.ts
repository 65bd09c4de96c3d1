/**
 * `@courier/scheduler/sync`: Pluto's `http` for code that cannot `await`. Each call blocks the
 * calling thread (Atomics.wait) while a worker thread runs the request on a client of its own,
 * so its keep-alive connections are separate from those of the main `http` object.
 */
import { plutoClientOptionsFromEnv } from './lib/http/environment.ts';
import type { PlutoRequestOptions, PlutoResult } from './lib/http/types.ts';
import { createSyncHttp, type SyncHttp } from './lib/sync/sync-http.ts';

export { createSyncHttp, type SyncHttp, type SyncHttpOptions } from './lib/sync/sync-http.ts';
export type { PlutoFailure, PlutoHeaders, PlutoRequestOptions, PlutoResult, PlutoSuccess } from './lib/http/types.ts';

let shared: SyncHttp | null = null;

function instance(): SyncHttp {
  shared ??= createSyncHttp(plutoClientOptionsFromEnv());
  return shared;
}

/** `http.request`, blocking, on the shared worker (its client trusts `COURIER_CA_FILE` too). */
export function requestSync(url: string | URL, options?: PlutoRequestOptions): PlutoResult;
export function requestSync(options: PlutoRequestOptions & { url: string }): PlutoResult;
export function requestSync(first: unknown, second?: unknown): PlutoResult {
  return (instance().request as (a: unknown, b?: unknown) => PlutoResult)(first, second);
}

/** `http.hasconnection` for the shared worker's connections. */
export function hasconnectionSync(remote: string | URL): boolean {
  return instance().hasconnection(remote);
}

/** Stops the shared worker thread; the next call starts a new one. */
export async function closeSync(): Promise<void> {
  const current = shared;
  shared = null;
  await current?.close();
}
