// Entry of the target server process (spawned by target-process.ts): starts the canned server
// on the number of ports given as argv[2], reports them, answers stats requests, and exits when
// told to or when the parent goes away (so a killed bench never leaves it behind).
import { startCannedServer } from './canned-server.ts';
import type { FromTarget, ToTarget } from './protocol.ts';

function send(message: FromTarget): void {
  process.send?.(message);
}

const listeners = Number(process.argv[2] ?? '1');
if (!process.send) {
  console.error('target-main must be started with an IPC channel (see target-process.ts)');
  process.exit(2);
}

try {
  const server = await startCannedServer(listeners);
  const stop = async (): Promise<void> => {
    await server.close();
    process.disconnect?.();
    process.exit(0);
  };
  process.on('message', (message: ToTarget) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', id: message.id, stats: server.stats(), cpuMicros: cpu.user + cpu.system });
    } else if (message.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', ports: [...server.ports] });
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
