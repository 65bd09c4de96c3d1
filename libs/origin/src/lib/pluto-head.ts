import type { Duplex } from 'node:stream';

/** `METHOD target HTTP/1.1` at the start of a write: a request head, not a body or a chunk frame. */
const requestLine = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^\r\n ]+ HTTP\/1\.1\r\n/;

/**
 * undici's request head rewritten as Pluto (Soup) writes it (reference §1.3, §9 "Copy"):
 * `Host`, the first caller header (Pluto's `User-Agent`), `Connection`, the other caller headers
 * in their order and case, then `Content-Length` — with those capitals. undici writes its own
 * `host` and `connection` lines first and `content-length` last, in lower case; their values
 * (the host, keep-alive or close as the socket is reusable or not, the length) are kept.
 */
export function plutoHead(head: string): string {
  const lines = head.slice(0, -4).split('\r\n');
  let host = '';
  let connection = '';
  let length = '';
  const others: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('host: ')) host = `Host: ${line.slice(6)}`;
    else if (line.startsWith('connection: ')) connection = `Connection: ${line.slice(12)}`;
    else if (line.startsWith('content-length: ')) length = `Content-Length: ${line.slice(16)}`;
    else others.push(line);
  }
  const out = [lines[0]!];
  if (host) out.push(host);
  if (others.length > 0) out.push(others[0]!);
  if (connection) out.push(connection);
  for (let i = 1; i < others.length; i++) out.push(others[i]!);
  if (length) out.push(length);
  return `${out.join('\r\n')}\r\n\r\n`;
}

/**
 * Makes every request head written on `socket` Pluto's. undici writes a head whole, as one
 * latin1 string ending in a blank line (the body, if any, follows as a separate write), so a
 * write that starts with a request line is a head and nothing else.
 */
export function writePlutoHeads(socket: Duplex): void {
  const write = socket.write;
  socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && rest[0] === 'latin1' && chunk.endsWith('\r\n\r\n') && requestLine.test(chunk)) chunk = plutoHead(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Duplex['write'];
}
