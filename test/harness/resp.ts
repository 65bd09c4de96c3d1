// A minimal RESP client on a raw socket: enough to PING a Redis the harness started (readiness)
// and for tests that must not depend on ioredis. One command per connection.
import net from 'node:net';

export type RespReply = string | number | null;

/** Sends one command to `url` (redis://[user:pass@]host:port) and returns the reply. */
export async function redisCommand(url: string, ...args: string[]): Promise<RespReply> {
  const target = new URL(url);
  if (target.protocol !== 'redis:') throw new Error(`redisCommand supports redis:// only, got ${target.protocol}`);
  const commands = [args];
  // REDIS_URL may carry credentials; authenticate first so PING means "usable", not "NOAUTH".
  if (target.password) commands.unshift(['AUTH', ...(target.username ? [decodeURIComponent(target.username)] : []), decodeURIComponent(target.password)]);
  const replies = await exchange(target.hostname.replace(/^\[|\]$/g, ''), Number(target.port || 6379), commands);
  return replies[replies.length - 1] ?? null;
}

function exchange(host: string, port: number, commands: string[][]): Promise<RespReply[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffered = Buffer.alloc(0);
    const replies: RespReply[] = [];
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`redis at ${host}:${port} closed the connection before replying`)));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let parsed = parse(buffered); parsed; parsed = parse(buffered)) {
        buffered = buffered.subarray(parsed.length);
        if (parsed.error) {
          socket.destroy();
          reject(new Error(`redis replied: ${parsed.error}`));
          return;
        }
        replies.push(parsed.value);
        if (replies.length === commands.length) {
          socket.end();
          resolve(replies);
          return;
        }
      }
    });
    socket.write(commands.map(encode).join(''));
  });
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

// Simple strings, errors, integers and bulk strings: what PING, AUTH, SET, GET and INFO return.
function parse(buffer: Buffer): { value: RespReply; error?: string; length: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  const line = buffer.subarray(1, lineEnd).toString();
  switch (String.fromCharCode(buffer[0] ?? 0)) {
    case '+':
      return { value: line, length: lineEnd + 2 };
    case '-':
      return { value: null, error: line, length: lineEnd + 2 };
    case ':':
      return { value: Number(line), length: lineEnd + 2 };
    case '$': {
      const size = Number(line);
      if (size < 0) return { value: null, length: lineEnd + 2 };
      const end = lineEnd + 2 + size;
      if (buffer.length < end + 2) return undefined;
      return { value: buffer.subarray(lineEnd + 2, end).toString(), length: end + 2 };
    }
    default:
      // Arrays and RESP3 types are not needed here; say so rather than misread them.
      return { value: null, error: `unsupported reply type: ${JSON.stringify(buffer.subarray(0, 20).toString())}`, length: buffer.length };
  }
}
