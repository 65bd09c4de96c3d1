import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** How long a child may take to exit after SIGTERM (or its own stop message) before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Resolves once `child` has exited: `ask` starts a graceful stop (default SIGTERM), and SIGKILL
 * follows after STOP_TIMEOUT_MS. Already exited → at once.
 */
export function stopChild(child: ChildProcess, ask: () => void = () => child.kill('SIGTERM')): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}
