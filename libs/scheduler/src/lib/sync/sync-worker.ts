// The worker thread behind `@courier/scheduler/sync`: it owns a client of its own (sockets
// cannot be shared across threads) and answers one call at a time while the caller's thread
// sleeps in Atomics.wait.
import { workerData } from 'node:worker_threads';
import { isCourierError } from '@courier/origin';
import { executeRequest } from '../http/execute.ts';
import { createPlutoClient } from '../http/pluto-client.ts';
import { SIGNAL_ANSWERED, type SyncCall, type SyncReply, type SyncWorkerData } from './protocol.ts';

const { port, signal, clientOptions } = workerData as SyncWorkerData;
const client = createPlutoClient(clientOptions);

async function answer(call: SyncCall): Promise<SyncReply> {
  try {
    switch (call.kind) {
      case 'request':
        return { id: call.id, ok: true, value: await executeRequest(client, call.spec) };
      case 'hasconnection':
        return { id: call.id, ok: true, value: client.hasConnection(call.remote) };
    }
  } catch (error) {
    const code = isCourierError(error) ? error.code : 'INTERNAL';
    return { id: call.id, ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
  }
}

port.on('message', (call: SyncCall) => {
  void answer(call).then((reply) => {
    // The reply is queued on the port before the caller wakes, so its receiveMessageOnPort finds it.
    port.postMessage(reply);
    Atomics.store(signal, 0, SIGNAL_ANSWERED);
    Atomics.notify(signal, 0);
  });
});
