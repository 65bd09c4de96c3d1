import { fileURLToPath } from 'node:url';
import type { FromBodyServer, ToBodyServer } from './protocol.ts';
import { nextMessage, spawnNodeEntry, stopChild } from '../processes.ts';

const entry = fileURLToPath(new URL('./body-server-main.ts', import.meta.url));
/** Start-up bound, in milliseconds: tsx compiles, then the digest of the whole body is computed. */
const START_TIMEOUT_MS = 120_000;
const STATS_TIMEOUT_MS = 10_000;

export interface BodyServerStats {
  requests: number;
  rangeRequests: number;
  bytesSent: number;
  cpuMicros: number;
}

/** The generated-body origin, running in its own process. */
export interface BodyServer {
  /** `http://127.0.0.1:<port>/body`. */
  readonly url: string;
  /** SHA-256 (hex) of the whole body. */
  readonly sha256: string;
  readonly size: number;
  stats(): Promise<BodyServerStats>;
  stop(): Promise<void>;
}

export async function startBodyServer(size: number): Promise<BodyServer> {
  const child = spawnNodeEntry(entry, [String(size)]);
  const ready = await nextMessage<FromBodyServer>(child, 'body server start', START_TIMEOUT_MS, (m) => m.type !== 'stats').catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (ready.type !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`body server failed to start: ${ready.type === 'failed' ? ready.message : ready.type}`);
  }
  const send = (m: ToBodyServer): void => {
    if (child.connected) child.send(m);
  };
  let stopping: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${ready.port}/body`,
    sha256: ready.sha256,
    size,
    async stats() {
      const answer = nextMessage<FromBodyServer>(child, 'body server stats', STATS_TIMEOUT_MS, (m) => m.type === 'stats');
      send({ type: 'stats' });
      const m = await answer;
      if (m.type !== 'stats') throw new Error('unexpected answer');
      return { requests: m.requests, rangeRequests: m.rangeRequests, bytesSent: m.bytesSent, cpuMicros: m.cpuMicros };
    },
    stop() {
      stopping ??= stopChild(child, () => send({ type: 'stop' }));
      return stopping;
    },
  };
}
