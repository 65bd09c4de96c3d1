import type { Client } from '@courier/origin';
import type { Operation } from '../operation.ts';
import { plutoClientOptionsFromEnv } from './environment.ts';
import { createPlutoHttp, type PlutoHttp } from './pluto-http.ts';
import type { PlutoRequestOptions, PlutoResult } from './types.ts';

let shared: PlutoHttp | null = null;

/** Created on first use, not at import: importing the package opens nothing and reads no file. */
function instance(): PlutoHttp {
  shared ??= createPlutoHttp(plutoClientOptionsFromEnv());
  return shared;
}

/**
 * The ready-made `http` object, over a client built from the environment (`COURIER_CA_FILE`
 * adds a trusted CA). Use `createPlutoHttp` for a client of your own.
 */
export const http: PlutoHttp = {
  request: ((first: string | URL | (PlutoRequestOptions & { url: string }), second?: PlutoRequestOptions): Operation<PlutoResult> =>
    (instance().request as (a: unknown, b?: unknown) => Operation<PlutoResult>)(first, second)) as PlutoHttp['request'],
  hasconnection: (remote) => instance().hasconnection(remote),
  closeconnections: () => instance().closeconnections(),
  get client(): Client {
    return instance().client;
  },
};
