// Eryx `HttpConnection` conformance, part 2: what request() puts on the wire (A.3), read with a
// raw-socket origin, and the 100-continue exchange.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEryxHttp } from '../../index.ts';
import { Conditions } from '../../../../../test/fixtures/until.ts';
import { rawOrigin, testClient } from '../../testing/fixtures.ts';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** A raw origin that records every byte received per connection and answers when `isComplete` says so. */
async function recordingOrigin(isComplete: (received: string) => boolean, answer: (received: string, socket: Socket) => void = (_r, s) => void s.write(OK)) {
  const received: string[] = [];
  const conditions = new Conditions();
  const origin = await rawOrigin((socket) => {
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (isComplete(data)) {
        received.push(data);
        conditions.check();
        answer(data, socket);
        data = '';
      }
    });
  });
  return { origin, received, until: (n: number) => conditions.until(() => received.length >= n) };
}

const headComplete = (d: string) => d.includes('\r\n\r\n');
function lengthComplete(d: string): boolean {
  const end = d.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const cl = /\r\ncontent-length: (\d+)/i.exec(d.slice(0, end));
  return d.length >= end + 4 + (cl ? Number(cl[1]) : 0);
}
const chunkedComplete = (d: string) => /\r\n\r\n[\s\S]*0\r\n\r\n$/.test(d) || (headComplete(d) && !/transfer-encoding/i.test(d) && lengthComplete(d));

function http() {
  return createEryxHttp(testClient());
}

describe('Eryx request() on the wire (A.3)', () => {
  it('lower-cases header names, adds host:port and connection: keep-alive, sends method and path verbatim', async () => {
    const { origin, received } = await recordingOrigin(lengthComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('get', '/a/b?c=d%20e', { 'X-Custom-Header': 'Value', ACCEPT: 'text/plain' });
    expect((await conn.getResponse()).body).toBe('ok');
    const [head] = received;
    expect(head!.startsWith('get /a/b?c=d%20e HTTP/1.1\r\n')).toBe(true);
    expect(head).toContain('\r\nx-custom-header: Value\r\n');
    expect(head).toContain('\r\naccept: text/plain\r\n');
    expect(head).toContain(`\r\nhost: 127.0.0.1:${origin.port}\r\n`);
    expect(head).toContain('\r\nconnection: keep-alive\r\n');
    expect(head).not.toMatch(/content-length|transfer-encoding|expect/i);
    conn.close();
  });

  it('a caller Host and Connection win; header names differing in case collapse to one', async () => {
    const { origin, received } = await recordingOrigin(lengthComplete, (_r, s) => void s.end(OK));
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('GET', '/', { Host: 'device.local', Connection: 'close', 'x-a': '1', 'X-A': '2' });
    await conn.getResponse();
    const head = received[0]!;
    expect(head).toContain('\r\nhost: device.local\r\n');
    expect(head).toContain('\r\nconnection: close\r\n');
    expect(head.match(/\r\nx-a: /g)).toHaveLength(1);
    conn.close();
  });

  it('a string body gets its content-length, "" included; no body, no length', async () => {
    const { origin, received } = await recordingOrigin(lengthComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('POST', '/', null, 'héllo');
    await conn.getResponse();
    await conn.request('POST', '/', null, '');
    await conn.getResponse();
    expect(received[0]).toMatch(/\r\ncontent-length: 6\r\n/);
    expect(Buffer.from(received[0]!, 'latin1').subarray(-10).toString('utf8')).toBe('\r\n\r\nhéllo');
    expect(received[1]).toMatch(/\r\ncontent-length: 0\r\n/);
    expect(received[1]).toMatch(/\r\n\r\n$/);
    conn.close();
  });

  it("a caller's transfer-encoding: chunked sends a string body as one chunk (nothing for an empty one)", async () => {
    const { origin, received } = await recordingOrigin(chunkedComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    await conn.request('POST', '/', { 'Transfer-Encoding': 'chunked' }, 'abc');
    await conn.getResponse();
    await conn.request('POST', '/', { 'Transfer-Encoding': 'chunked' }, '');
    await conn.getResponse();
    expect(received[0]).toMatch(/\r\n\r\n3\r\nabc\r\n0\r\n\r\n$/);
    expect(received[0]).not.toMatch(/content-length/i);
    expect(received[1]).toMatch(/\r\n\r\n0\r\n\r\n$/);
    conn.close();
  });

  it('a streaming body is chunked without bodyLength and sized with it; the reader ends with nil or ""', async () => {
    const { origin, received } = await recordingOrigin(chunkedComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    const reader = (pieces: Array<string | null>) => {
      const sizes: number[] = [];
      let closed = false;
      return { sizes, closed: () => closed, read: (n: number) => (sizes.push(n), pieces.shift() ?? null), close: () => void (closed = true) };
    };
    const chunked = reader(['ab', 'cde', null]);
    await conn.request('PUT', '/', null, null, false, chunked);
    await conn.getResponse();
    expect(received[0]).toMatch(/\r\ntransfer-encoding: chunked\r\n/);
    expect(received[0]).toMatch(/\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n$/);
    expect(chunked.sizes[0]).toBe(65536);
    expect(chunked.closed()).toBe(false); // Eryx never closes the reader
    await conn.request('PUT', '/', null, null, false, reader(['abc', 'de', '']), 5);
    await conn.getResponse();
    expect(received[1]).toMatch(/\r\ncontent-length: 5\r\n/);
    expect(received[1]).toMatch(/\r\n\r\nabcde$/);
    expect(received[1]).not.toMatch(/transfer-encoding/);
    async function* pieces() {
      yield 'x';
      yield new Uint8Array([0x79]);
    }
    await conn.request('PUT', '/', null, null, false, pieces(), 2);
    await conn.getResponse();
    expect(received[2]).toMatch(/\r\n\r\nxy$/);
    conn.close();
  });

  it('a streaming body longer or shorter than bodyLength is an error; both body kinds at once too', async () => {
    const { origin } = await recordingOrigin(lengthComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port);
    const from = (pieces: string[]) => ({ read: () => pieces.shift() ?? null });
    await expect(conn.request('PUT', '/', null, null, false, from(['abcdef']), 3)).rejects.toThrow('Streaming body produced more bytes than Content-Length');
    await expect(conn.request('PUT', '/', null, null, false, from(['ab']), 3)).rejects.toThrow('Streaming body ended before reaching Content-Length');
    await expect(conn.request('PUT', '/', null, 'x', false, from(['ab']))).rejects.toThrow('Cannot send both a string body and a streaming body');
    conn.close();
  });

  it('refuses CR/LF in headers, spaces in the path and non-token methods', async () => {
    const conn = http().HttpConnection.new('127.0.0.1', 9);
    await expect(conn.request('GET', '/', { 'X-Evil': 'a\r\nInjected: 1' })).rejects.toMatchObject({ code: 'BAD_HEADER' });
    await expect(conn.request('GET', '/a b')).rejects.toMatchObject({ code: 'BAD_URL' });
    await expect(conn.request('GET\r\n', '/')).rejects.toMatchObject({ code: 'BAD_METHOD' });
  });
});

describe('Eryx 100-continue (A.3)', () => {
  it('sends the body only after 100 Continue, skipping other interim responses', async () => {
    let bodyBeforeContinue = '';
    const seen: string[] = [];
    const origin = await rawOrigin((socket) => {
      let data = '';
      let phase: 'head' | 'body' = 'head';
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('latin1');
        if (phase === 'head' && data.includes('\r\n\r\n')) {
          const end = data.indexOf('\r\n\r\n') + 4;
          seen.push(data.slice(0, end));
          bodyBeforeContinue = data.slice(end);
          data = data.slice(end);
          phase = 'body';
          socket.write('HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n');
        } else if (phase === 'body' && data.length >= 7) {
          seen.push(data);
          socket.write('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone');
        }
      });
    });
    const conn = http().HttpConnection.new('127.0.0.1', origin.port, 5);
    await conn.request('POST', '/upload', { Expect: '100-continue' }, 'payload', true);
    const response = await conn.getResponse();
    expect([response.status, response.body]).toEqual([201, 'done']);
    expect(bodyBeforeContinue).toBe('');
    expect(seen[0]).toContain('\r\nexpect: 100-continue\r\n');
    expect(seen[1]).toBe('payload');
    conn.close();
  });

  it('a final response instead of 100 is kept for getResponse(); the body is never sent', async () => {
    const received: string[] = [];
    const origin = await rawOrigin((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk.toString('latin1'));
        if (received.join('').includes('\r\n\r\n')) socket.write('HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope');
      });
    });
    const conn = http().HttpConnection.new('127.0.0.1', origin.port, 5);
    await conn.request('PUT', '/big', { Expect: '100-continue' }, 'x'.repeat(1000), true);
    const prefetched = await conn.getResponse();
    expect([prefetched.status, prefetched.reason, prefetched.body]).toEqual([417, 'Expectation Failed', 'nope']);
    expect(received.join('')).not.toContain('xxxx');
    // The connection is not trusted after an unsent body (README): the next request reconnects.
    expect(conn.connected).toBe(false);
    conn.close();
  });

  it('HttpConnection does not add Expect itself, and an empty body does not wait', async () => {
    const { origin, received } = await recordingOrigin(lengthComplete);
    const conn = http().HttpConnection.new('127.0.0.1', origin.port, 5);
    await conn.request('POST', '/', null, '', true);
    expect((await conn.getResponse()).status).toBe(200);
    expect(received[0]).not.toMatch(/expect/i);
    conn.close();
  });

  it('a prefetched response can be read as a stream too', async () => {
    const origin = await rawOrigin((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\nWWW-Authenticate: Basic\r\n\r\nlog in'));
    });
    const conn = http().HttpConnection.new('127.0.0.1', origin.port, 5);
    await conn.request('POST', '/', { Expect: '100-continue' }, 'secret', true);
    const stream = await conn.getResponseStream();
    expect(stream.status).toBe(401);
    expect(stream.headers['www-authenticate']).toBe('Basic');
    expect((await stream.readAll()).toString()).toBe('log in');
    conn.close();
  });
});
