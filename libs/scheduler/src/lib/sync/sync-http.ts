import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { CourierError, isCourierError, type ErrorCode } from '@courier/origin';
import { buildRequest } from '../http/build-request.ts';
import type { PlutoClientOptions } from '../http/pluto-client.ts';
import type { PlutoRequestOptions, PlutoResult } from '../http/types.ts';
import { SIGNAL_ANSWERED, SIGNAL_FATAL, SIGNAL_WAITING, type SyncCallBody, type SyncReply } from './protocol.ts';
import { spawnSyncWorker } from './spawn-worker.ts';

/** Options of the blocking form. Functions (`lookup`) cannot cross to the worker thread. */
export interface SyncHttpOptions extends Omit<PlutoClientOptions, 'lookup' | 'allowAddress'> {
  /**
   * Longest time one call may block the thread, in milliseconds (default 120,000: above the
   * 30 s request limit, so it only fires if the worker is stuck). A request that hits it gives
   * `[null, 'Request Timed Out']`.
   */
  callTimeoutMs?: number;
}

/** Pluto's `http`, blocking: every call returns its result before the script goes on. */
export interface SyncHttp {
  request(url: string | URL, options?: PlutoRequestOptions): PlutoResult;
  request(options: PlutoRequestOptions & { url: string }): PlutoResult;
  /** A keep-alive socket of *the worker's* client exists for the remote. */
  hasconnection(remote: string | URL): boolean;
  /** Stops the worker thread (its sockets close); the next call starts a new one. */
  close(): Promise<void>;
}

interface Channel {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/**
 * The blocking form for code that cannot `await`: a worker thread runs the requests on a
 * client of its own, and the calling thread sleeps in `Atomics.wait` until the answer is
 * there. Its connections are its own: `hasconnection` here knows nothing of the sockets of an
 * `http` object on the main thread, and the other way round.
 */
export function createSyncHttp(options: SyncHttpOptions = {}): SyncHttp {
  const { callTimeoutMs = 120_000, ...clientOptions } = options;
  let channel: Channel | null = null;
  let nextId = 1;

  function open(): Channel {
    if (channel) return channel;
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = spawnSyncWorker({ port: port2, signal, clientOptions }, port2);
    // Neither keeps the process alive: a script that is done exits, as Pluto's does.
    worker.unref();
    port1.unref();
    channel = { worker, port: port1, signal };
    return channel;
  }

  function call(message: SyncCallBody): { timedOut: true } | { timedOut: false; value: unknown } {
    const { port, signal } = open();
    const id = nextId++;
    Atomics.compareExchange(signal, 0, SIGNAL_ANSWERED, SIGNAL_WAITING);
    port.postMessage({ ...message, id });
    for (;;) {
      const state = Atomics.wait(signal, 0, SIGNAL_WAITING, callTimeoutMs);
      if (state === 'timed-out') return { timedOut: true };
      const reply = take(port, id);
      if (reply) {
        if ('fatal' in reply) throw new CourierError('INTERNAL', `the @courier/scheduler/sync worker failed to start: ${reply.fatal}`);
        if (!reply.ok) throw new CourierError(reply.error.code as ErrorCode, reply.error.message);
        return { timedOut: false, value: reply.value };
      }
      if (Atomics.load(signal, 0) === SIGNAL_FATAL) throw new CourierError('INTERNAL', 'the @courier/scheduler/sync worker failed to start');
      // Woken by the late answer of a call that timed out: wait for ours.
      Atomics.compareExchange(signal, 0, SIGNAL_ANSWERED, SIGNAL_WAITING);
    }
  }

  return {
    request(first: unknown, second?: unknown): PlutoResult {
      const spec = buildRequest(first, second);
      const answer = call({ kind: 'request', spec });
      return answer.timedOut ? [null, 'Request Timed Out'] : (answer.value as PlutoResult);
    },
    hasconnection(remote: string | URL): boolean {
      if (typeof remote !== 'string' && !(remote instanceof URL)) {
        throw new CourierError('BAD_URL', `bad argument #1 to 'hasconnection' (string expected, got ${remote === null || remote === undefined ? 'nil' : typeof remote})`);
      }
      try {
        const answer = call({ kind: 'hasconnection', remote: String(remote) });
        return !answer.timedOut && answer.value === true;
      } catch (error) {
        if (isCourierError(error) && (error.code === 'BAD_URL' || error.code === 'UNSUPPORTED_SCHEME')) return false;
        throw error;
      }
    },
    async close(): Promise<void> {
      const current = channel;
      channel = null;
      if (current) {
        current.port.close();
        await current.worker.terminate();
      }
    },
  } as SyncHttp;
}

/** The reply to call `id`, skipping late replies to calls that timed out; a start failure counts. */
function take(port: MessagePort, id: number): SyncReply | null {
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (!received) return null;
    const reply = received.message as SyncReply;
    if ('fatal' in reply || reply.id === id) return reply;
  }
}
