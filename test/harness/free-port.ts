// A loopback port that was free a moment ago, for servers that cannot listen on port 0 and
// report back (redis-server). The caller retries on "address in use": the port can be taken
// between close() here and the server's bind.
import net, { type AddressInfo } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
