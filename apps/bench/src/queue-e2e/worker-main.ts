// Entry of a worker child (spawned by worker-process.ts): argv[2] = `courier` (@courier/worker's own
// startWorkerProcess, configured from the COURIER_* environment exactly as `npm run worker` is)
// or `plain` (a BullMQ Worker calling undici.request). Answers CPU and profiler requests over
// IPC, and exits when told to or when the bench goes away.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadWorkerConfig, startWorkerProcess } from '@courier/worker';
import { startPlainWorker } from './plain-worker.ts';
import { workerEnv, type WorkerKind, type WorkerMessage, type WorkerRequest } from './worker-protocol.ts';

/** Sampling interval of the profiler, in microseconds (V8's default is 1,000). */
const PROFILE_INTERVAL_US = 250;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function start(kind: WorkerKind): Promise<() => Promise<void>> {
  if (kind === 'courier') {
    const worker = await startWorkerProcess(loadWorkerConfig(process.env));
    return () => worker.stop('bench done');
  }
  const env = process.env;
  const plain = startPlainWorker(env[workerEnv.redisUrl]!, env[workerEnv.prefix]!, env[workerEnv.queueName]!, Number(env[workerEnv.concurrency]));
  return () => plain.close();
}

const kind = process.argv[2] as WorkerKind;
if (!process.send || (kind !== 'courier' && kind !== 'plain')) {
  console.error('worker-main: start with an IPC channel and `courier` or `plain` (see worker-process.ts)');
  process.exit(2);
}

try {
  const stopWorker = await start(kind);
  let session: Session | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= stopWorker().finally(() => {
      process.disconnect?.();
      process.exit(0);
    });
    return stopping;
  };
  const handle = async (req: WorkerRequest): Promise<number | null> => {
    switch (req.op) {
      case 'cpu': {
        const cpu = process.cpuUsage();
        return cpu.user + cpu.system;
      }
      case 'profile-start':
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
        await session.post('Profiler.start');
        return null;
      case 'profile-stop': {
        if (!session) throw new Error('the profiler was not started');
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = null;
        await writeFile(req.path, JSON.stringify(profile));
        return null;
      }
      case 'stop':
        void stop();
        return null;
    }
  };
  process.on('message', (req: WorkerRequest) => {
    handle(req).then(
      (value) => send({ type: 'reply', id: req.id, value }),
      (error: unknown) => send({ type: 'error', id: req.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
