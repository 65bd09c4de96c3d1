// Issue 15 point 2: the request head is Pluto's byte for byte (reference §1.3, §9 "Copy"):
// `Host`, `User-Agent`, `Connection`, `Accept-Encoding`, the user's headers, `Content-Length`,
// with those capitals; the method exactly as given (`get` is sent as `get`) — in-process and
// in the job the fleet transport builds.
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRawFixture, type RawFixture } from '../../../../../test/fixtures/index.ts';
import { requestJobFor } from '../fleet/request-job.ts';
import { buildRequest } from './build-request.ts';
import { plutoHttpOverClient as createPlutoHttp } from './pluto-http.ts';

/** A server that answers every request with the request head it received, byte for byte. */
async function echoHeads(): Promise<RawFixture> {
  const f = await startRawFixture(async (socket, ctx) => {
    for (;;) {
      const req = await ctx.readRequest();
      const head = req.raw.subarray(0, req.raw.indexOf('\r\n\r\n') + 4);
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${head.length}\r\n\r\n`);
      socket.write(head);
    }
  });
  onTestFinished(() => f.close());
  return f;
}

function plutoHttp(): ReturnType<typeof createPlutoHttp> {
  const h = createPlutoHttp();
  onTestFinished(() => h.client.destroy());
  return h;
}

const ua = 'User-Agent: Mozilla/5.0 (compatible; calamity-inc/Soup)';
const ae = 'Accept-Encoding: deflate, gzip';

describe('the request head', () => {
  it('is Pluto\'s: Host, User-Agent, Connection, Accept-Encoding, user headers, Content-Length', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const host = `Host: 127.0.0.1:${f.port}`;
    const [plain] = await h.request(`${f.url}/echo`);
    expect(plain).toBe(`GET /echo HTTP/1.1\r\n${host}\r\n${ua}\r\nConnection: keep-alive\r\n${ae}\r\n\r\n`);
    const [post] = await h.request(`${f.url}/echo?x=1`, {
      method: 'POST',
      headers: { 'x-first': 'a', 'USER-AGENT': 'mine', 'x-second': 2, connection: 'close', 'content-length': '99' },
      body: 'hello',
    });
    // The user's User-Agent replaces the default in its place; a user Connection or
    // Content-Length is overwritten.
    expect(post).toBe(
      `POST /echo?x=1 HTTP/1.1\r\n${host}\r\nUser-Agent: mine\r\nConnection: keep-alive\r\n${ae}\r\nX-First: a\r\nX-Second: 2\r\nContent-Length: 5\r\n\r\n`,
    );
    // A one-off socket says close, in the same place.
    const [oneOff] = await h.request(`${f.url}/echo`, { dont_reuse: true });
    expect(oneOff).toBe(`GET /echo HTTP/1.1\r\n${host}\r\n${ua}\r\nConnection: close\r\n${ae}\r\n\r\n`);
  });

  it('lets a script read the echo as in Pluto: body:match("\\nConnection: ([^\\r]*)")', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const [body] = await h.request(`${f.url}/echo`);
    expect(/\nConnection: ([^\r]*)/.exec(body ?? '')?.[1]).toBe('keep-alive');
  });
});

describe('the request line', () => {
  it('sends method = "get" as get, and "Post" as Post', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const [lower] = await h.request(`${f.url}/echo`, { method: 'get' });
    expect(lower?.split('\r\n')[0]).toBe('get /echo HTTP/1.1');
    const [mixed] = await h.request(`${f.url}/echo`, { method: 'Post', body: 'x' });
    expect(mixed?.split('\r\n')[0]).toBe('Post /echo HTTP/1.1');
  });

  it('carries the method verbatim in the fleet job', () => {
    const job = requestJobFor(buildRequest('http://127.0.0.1:1/x', { method: 'get' }));
    expect(job.method).toBe('get');
    expect(job.verbatimMethod).toBe(true);
  });
});

describe('README deviations in the request head', () => {
  it('a Host header changes only the header, not where the client connects', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const [body] = await h.request(`${f.url}/echo`, { headers: { host: 'example.test:1' } });
    // Answered by the fixture (the URL's host and port), with the user's Host in Pluto's place.
    expect(body?.split('\r\n').slice(0, 3)).toEqual(['GET /echo HTTP/1.1', 'Host: example.test:1', ua]);
  });

  it('percent-encodes a space in the path (Pluto sends it raw)', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const [body] = await h.request(`${f.url}/a b`);
    expect(body?.split('\r\n')[0]).toBe('GET /a%20b HTTP/1.1');
  });

  it('without a body sends Content-Length: 0 for POST, PUT and PATCH, none for DELETE and OPTIONS (undici declines)', async () => {
    const f = await echoHeads();
    const h = plutoHttp();
    const length = async (method: string) => /\nContent-Length: ([^\r]*)/.exec((await h.request(`${f.url}/echo`, { method }))[0] ?? '')?.[1] ?? null;
    expect([await length('POST'), await length('PUT'), await length('PATCH')]).toEqual(['0', '0', '0']);
    expect([await length('DELETE'), await length('OPTIONS')]).toEqual([null, null]);
  });
});
