import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { answer, startCannedServer } from './canned-server.ts';

/** Send raw bytes (in the pieces given) and collect the reply until `bytes` have arrived or the server closes. */
async function exchange(port: number, pieces: string[], bytes: number): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  onTestFinished(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  const done = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.length >= bytes) resolve(received);
    });
    socket.on('close', () => resolve(received));
  });
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return done;
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nhost: x\r\n${extra}\r\n`;
const okHead = (n: number): string => `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${n}\r\n\r\n`;

describe('canned target server', () => {
  it('answers /bytes/<n> with n bytes, HEAD without a body, other paths with 404', () => {
    expect(answer('GET /bytes/64 HTTP/1.1\r\nhost: x')!.response.length).toBe(okHead(64).length + 64);
    expect(answer('HEAD /bytes/64 HTTP/1.1\r\nhost: x')!.response.toString('latin1')).toBe(okHead(64));
    expect(answer('GET /other HTTP/1.1')!.response.toString('latin1')).toMatch(/^HTTP\/1.1 404 /);
    expect(answer('garbage')).toBeNull();
    expect(answer('POST /bytes/1 HTTP/1.1\r\ntransfer-encoding: chunked')).toBeNull();
    expect(answer('POST /bytes/1 HTTP/1.1\r\nContent-Length: 5')!.bodyBytes).toBe(5);
    expect(answer('GET /bytes/1 HTTP/1.1\r\nConnection: close')!.close).toBe(true);
  });

  it('answers pipelined requests in order, heads split across packets, and skips request bodies', async () => {
    const server = await startCannedServer(2);
    onTestFinished(() => server.close());
    expect(server.ports).toHaveLength(2);
    const first = get('/bytes/3');
    const post = 'POST /bytes/2 HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nGET ';
    const pieces = [first + post.slice(0, 20), post.slice(20), get('/bytes/1')];
    // "GET " at the end of the POST body is body, not a request: the server must skip 4 bytes.
    const expected = `${okHead(3)}___${okHead(2)}__${okHead(1)}_`;
    await expect(exchange(server.ports[1]!, pieces, expected.length)).resolves.toBe(expected);
    expect(server.stats()).toMatchObject({ requests: 3, connections: 1 });
  });

  it('closes after a request with connection: close', async () => {
    const server = await startCannedServer();
    onTestFinished(() => server.close());
    const reply = await exchange(server.ports[0]!, [get('/bytes/1', 'connection: close\r\n')], Number.MAX_SAFE_INTEGER);
    expect(reply).toBe(`${okHead(1)}_`);
  });
});
