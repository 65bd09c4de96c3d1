// Entry of the downloads suite's origin (spawned by body-server-process.ts): serves a generated
// body of argv[2] bytes at /body with Range support, reports its port and digest, answers stats
// requests, and exits when told to or when the parent goes away (a killed bench leaves nothing).
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { GeneratedBody, serveBody, type BodyCounters } from './generated-body.ts';
import type { FromBodyServer, ToBodyServer } from './protocol.ts';

function send(message: FromBodyServer): void {
  process.send?.(message);
}

if (!process.send) {
  console.error('body-server-main must be started with an IPC channel (see body-server-process.ts)');
  process.exit(2);
}

try {
  const body = new GeneratedBody(Number(process.argv[2]));
  const sha256 = body.sha256();
  const counters: BodyCounters = { requests: 0, rangeRequests: 0, bytesSent: 0 };
  const server = http.createServer(serveBody(body, counters));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('message', (message: ToBodyServer) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', ...counters, cpuMicros: cpu.user + cpu.system });
    } else if (message.type === 'stop') {
      stop();
    }
  });
  process.on('disconnect', stop);
  send({ type: 'ready', port: (server.address() as AddressInfo).port, sha256, etag: body.etag });
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
