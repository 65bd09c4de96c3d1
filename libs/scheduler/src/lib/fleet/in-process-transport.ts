import type { Client } from '@courier/origin';
import { executeRequest } from '../http/execute.ts';
import type { PlutoTransport } from './transport.ts';

/** A transport with a local client: today's facade, this process's origin actors. */
export interface InProcessTransport extends PlutoTransport {
  readonly kind: 'in-process';
  readonly client: Client;
}

/** The in-process transport over `client` (closing it destroys the client). */
export function createInProcessTransport(client: Client): InProcessTransport {
  return {
    kind: 'in-process',
    client,
    request: (spec, op) => executeRequest(client, spec, op),
    hasConnection: (remote) => client.hasConnection(remote),
    closeConnections: () => client.closeConnections(),
    close: () => client.destroy(),
  };
}
