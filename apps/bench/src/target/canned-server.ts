import net from 'node:net';

/**
 * The benchmark's target: a raw `net` server that answers every HTTP/1.1 request with a canned,
 * pre-built keep-alive response. No HTTP library on purpose — node:http would cost the server
 * more than the clients under test and become the bottleneck; this parses only what it needs
 * to count and answer requests (request line, Content-Length, Connection: close).
 *
 * Routes: `GET|HEAD /bytes/<n>` → 200 with n bytes (0 ≤ n ≤ 16 MiB); anything else → 404.
 */
export interface CannedServer {
  /** Ports listened on, on 127.0.0.1 (one per listener). */
  readonly ports: readonly number[];
  stats(): CannedServerStats;
  close(): Promise<void>;
}

export interface CannedServerStats {
  /** Requests answered. */
  requests: number;
  /** TCP connections accepted. */
  connections: number;
  /** Connections open now. */
  openConnections: number;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** A request head larger than this is refused (the clients under test send ~100–300 bytes). */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

const responses = new Map<number, Buffer>();
const notFound = Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n', 'latin1');
const badRequest = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n', 'latin1');

/** The whole response (head + body) for an n-byte body, built once per size. */
function responseFor(bytes: number): Buffer {
  let res = responses.get(bytes);
  if (!res) {
    const head = `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${bytes}\r\n\r\n`;
    res = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(bytes, 0x5f)]);
    responses.set(bytes, res);
  }
  return res;
}

interface Answer {
  response: Buffer;
  /** Request body bytes to skip before the next request. */
  bodyBytes: number;
  close: boolean;
}

/** Answer one request head (without its final CRLF CRLF), or null when it is malformed. */
export function answer(head: string): Answer | null {
  const lineEnd = head.indexOf('\r\n');
  const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
  const [method, target, version] = line.split(' ');
  if (!method || !target || !version?.startsWith('HTTP/1.')) return null;
  if (/\r\ntransfer-encoding:/i.test(head)) return null; // chunked request bodies: not needed here
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  const close = /\r\nconnection:[ \t]*close/i.test(head) || version === 'HTTP/1.0';
  const bodyBytes = length ? Number(length[1]) : 0;
  const match = /^\/bytes\/(\d+)$/.exec(target);
  const size = match ? Number(match[1]) : -1;
  if (size < 0 || size > MAX_BODY_BYTES) return { response: notFound, bodyBytes, close };
  const full = responseFor(size);
  const response = method === 'HEAD' ? full.subarray(0, full.length - size) : full;
  return { response, bodyBytes, close };
}

/** Listen on `listeners` ports of 127.0.0.1 (port 0 each: the kernel picks). */
export async function startCannedServer(listeners = 1): Promise<CannedServer> {
  const stats: CannedServerStats = { requests: 0, connections: 0, openConnections: 0 };
  const sockets = new Set<net.Socket>();

  const onConnection = (socket: net.Socket): void => {
    stats.connections++;
    stats.openConnections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer | null = null;
    let skip = 0;
    socket.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let offset = 0;
      socket.cork();
      while (offset < buf.length) {
        if (skip > 0) {
          const n = Math.min(skip, buf.length - offset);
          skip -= n;
          offset += n;
          continue;
        }
        const end = buf.indexOf(HEAD_END, offset);
        if (end < 0) {
          pending = buf.subarray(offset);
          if (pending.length > MAX_HEAD_BYTES) socket.destroy();
          break;
        }
        const reply = answer(buf.toString('latin1', offset, end));
        offset = end + HEAD_END.length;
        if (!reply) {
          socket.end(badRequest);
          break;
        }
        stats.requests++;
        skip = reply.bodyBytes;
        if (reply.close) {
          socket.end(reply.response);
          break;
        }
        socket.write(reply.response);
      }
      socket.uncork();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      stats.openConnections--;
      sockets.delete(socket);
    });
  };

  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < listeners; i++) {
      const server = net.createServer({ noDelay: true }, onConnection);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, resolve);
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }

  return {
    ports,
    stats: () => ({ ...stats }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
