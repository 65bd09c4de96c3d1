import net from 'node:net';

/**
 * A loopback server that reads request heads and answers none of them until `release()`: the
 * requests of the idle-wait measurement stay in flight as long as the bench wants. One listener
 * per port, so a client with Pluto's pool (one socket per origin) gets every request to the
 * server at once. Deliberately raw `net`: no HTTP library work while the window is measured.
 */
export interface HoldServer {
  /** One `http://127.0.0.1:<port>/held` URL per listener. */
  readonly urls: readonly string[];
  /** Resolves once `count` request heads have arrived (all listeners together). */
  arrived(count: number): Promise<void>;
  /** Answers every held request (and any later one) with 200 and `body`. */
  release(): void;
  close(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';
const body = 'released';
const response = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

export async function startHoldServer(listeners: number): Promise<HoldServer> {
  const sockets = new Set<net.Socket>();
  const held: net.Socket[] = [];
  let heads = 0;
  let released = false;
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  const onHead = (socket: net.Socket): void => {
    heads++;
    if (released) socket.write(response);
    else held.push(socket);
    for (const w of [...waiters]) {
      if (heads >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      // GET requests without bodies: every CRLF CRLF ends one head.
      for (let end = buffered.indexOf(HEAD_END); end >= 0; end = buffered.indexOf(HEAD_END)) {
        buffered = buffered.slice(end + HEAD_END.length);
        onHead(socket);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };

  const servers: net.Server[] = [];
  const urls: string[] = [];
  try {
    for (let i = 0; i < listeners; i++) {
      const server = net.createServer({ noDelay: true }, onConnection);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1' }, resolve);
      });
      urls.push(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/held`);
    }
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }

  return {
    urls,
    arrived: (count) => (heads >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    release: () => {
      released = true;
      for (const socket of held.splice(0)) socket.write(response);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
