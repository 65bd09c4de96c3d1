// How `http.request` builds requests and returns responses (reference §1, checklist §8.1–8.5,
// §9), seen from fixture origins on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, deflateSync } from 'node:zlib';
import { errorCodes } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, dualStackLookup, startHttpFixture, startRawFixture, type HttpFixture, type RawConnectionHandler, type RawFixture } from '../../../../../test/fixtures/index.ts';
import { Scheduler } from '../scheduler.ts';
import { WarningCode } from '../warnings.ts';
import { defaultUserAgent } from './build-request.ts';
import { plutoHttpOverClient as createPlutoHttp, type ClientPlutoHttp as PlutoHttp } from './pluto-http.ts';
import type { PlutoClientOptions } from './pluto-client.ts';
import { plutoReasons } from './reasons.ts';
import type { PlutoRequestOptions, PlutoResult, PlutoSuccess } from './types.ts';

const fixture = (options?: Parameters<typeof startHttpFixture>[0]): Promise<HttpFixture> => forThisTest(startHttpFixture(options));
const raw = (handler: RawConnectionHandler): Promise<RawFixture> => forThisTest(startRawFixture(handler));

function plutoHttp(options?: PlutoClientOptions): PlutoHttp {
  const h = createPlutoHttp(options);
  onTestFinished(() => h.client.destroy());
  return h;
}

function ok(result: PlutoResult): PlutoSuccess {
  if (result[0] === null) throw new Error(`request failed: ${result[1]}`);
  return result;
}

/** The request head as the fixture's /headers route saw it: [name, value] pairs in wire order. */
async function headersSeen(h: PlutoHttp, url: string, options?: PlutoRequestOptions): Promise<Array<[string, string]>> {
  const [body] = ok(await h.request(url, options));
  return JSON.parse(body) as Array<[string, string]>;
}

function captureWarnings(): { messages: string[]; flush: () => Promise<void> } {
  const messages: string[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code === WarningCode.UNKNOWN_OPTION) messages.push(w.message);
  };
  process.on('warning', listener);
  onTestFinished(() => {
    process.off('warning', listener);
  });
  return { messages, flush: () => new Promise((resolve) => setImmediate(resolve)) };
}

describe('request headers (§1.3, §8.2)', () => {
  it('sends Host, User-Agent, Connection and Accept-Encoding by default, in that order and case, and no Content-Length on a plain GET', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const pairs = await headersSeen(h, `${f.url}/headers`);
    expect(pairs).toEqual([
      ['Host', `127.0.0.1:${f.port}`],
      ['User-Agent', 'Mozilla/5.0 (compatible; calamity-inc/Soup)'],
      ['Connection', 'keep-alive'],
      ['Accept-Encoding', 'deflate, gzip'],
    ]);
  });

  it('Title-Cases user header names, replaces a default in place, appends the rest in order, and sends numbers as text', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const pairs = await headersSeen(h, `${f.url}/headers`, {
      headers: { 'x-multi-WORD-header': 'a', 'user-agent': 'mine/1.0', 'X-NUMBER': 42 },
    });
    expect(pairs.slice(1)).toEqual([
      ['User-Agent', 'mine/1.0'],
      ['Connection', 'keep-alive'],
      ['Accept-Encoding', 'deflate, gzip'],
      ['X-Multi-Word-Header', 'a'],
      ['X-Number', '42'],
    ]);
  });

  it('turns a GET with a body into POST with Content-Length, even when GET is given explicitly', async () => {
    const f = await fixture();
    const h = plutoHttp();
    for (const options of [{ body: 'hello' }, { method: 'GET', body: 'hello' }]) {
      const [body] = ok(await h.request(`${f.url}/echo`, options));
      expect(JSON.parse(body)).toMatchObject({ method: 'POST', body: 'hello', headers: { 'content-length': '5' } });
    }
    const [empty] = ok(await h.request(`${f.url}/echo`, { body: '' }));
    expect(JSON.parse(empty)).toMatchObject({ method: 'POST', headers: { 'content-length': '0' } });
  });

  it('sends Content-Length: 0 for POST and PUT without a body when options are given, none for a GET', async () => {
    const f = await fixture();
    const h = plutoHttp();
    for (const method of ['POST', 'PUT']) {
      const [body] = ok(await h.request({ url: `${f.url}/echo`, method }));
      expect(JSON.parse(body)).toMatchObject({ method, headers: { 'content-length': '0' } });
    }
    const [get] = ok(await h.request(`${f.url}/echo`, { method: 'GET' }));
    expect(JSON.parse(get).headers['content-length']).toBeUndefined();
  });

  it('overwrites a user Connection and Content-Length', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const [body] = ok(await h.request(`${f.url}/echo`, { body: 'abc', headers: { Connection: 'close', 'Content-Length': '99' } }));
    expect(JSON.parse(body).headers).toMatchObject({ connection: 'keep-alive', 'content-length': '3' });
  });

  it('drops userinfo (no Authorization) and the fragment, and takes HTTP:// as plain HTTP', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const url = `http://user:pw@127.0.0.1:${f.port}/echo?q=1#frag`;
    const [body] = ok(await h.request(url));
    const seen = JSON.parse(body) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/echo?q=1');
    expect(seen.headers['authorization']).toBeUndefined();
    const [upper] = ok(await h.request(`HTTP://127.0.0.1:${f.port}/hello`));
    expect(upper).toBe('hello world');
  });
});

describe('options (§1.2, §8.1)', () => {
  it('warns on an unknown option and still sends the request', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const w = captureWarnings();
    const [body, status] = ok(await h.request(`${f.url}/hello`, { timeout: 5 } as PlutoRequestOptions));
    await w.flush();
    expect([body, status]).toEqual(['hello world', 200]);
    expect(w.messages).toEqual(['unrecognized http request option: timeout']);
  });

  it('README deviations: a symbol option key warns and is ignored; require_ecdhe is accepted without a warning', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const w = captureWarnings();
    const options = { require_ecdhe: true, [Symbol('odd')]: 1 } as PlutoRequestOptions;
    const [body] = ok(await h.request(`${f.url}/hello`, options));
    await w.flush();
    expect(body).toBe('hello world');
    expect(w.messages).toEqual(['unrecognized http request option: Symbol(odd)']);
  });

  it('README deviation: a response header line without a space after the colon is kept (Pluto drops it)', async () => {
    const f = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end('HTTP/1.1 200 OK\r\nX-NoSpace:value\r\nContent-Length: 2\r\n\r\nok');
    });
    const h = plutoHttp();
    const [, , headers] = ok(await h.request(`${f.url}/`));
    expect(headers['X-Nospace']).toBe('value');
  });

  it('counts a boolean option only when it is exactly true: dont_reuse = 1 reuses the socket', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`));
    ok(await h.request(`${f.url}/hello`, { dont_reuse: 1 } as unknown as PlutoRequestOptions));
    expect(f.connections).toBe(1);
    ok(await h.request(`${f.url}/hello`, { dont_reuse: true }));
    expect(f.connections).toBe(2);
  });

  it('prefer_ipv6 connects to ::1 first when localhost has both families', async () => {
    const f = await fixture();
    // A second server on ::1 at the same port tells the families apart.
    const v6 = http.createServer((_req, res) => res.end('six'));
    await new Promise<void>((resolve, reject) => v6.once('error', reject).listen({ port: f.port, host: '::1' }, resolve));
    onTestFinished(() => new Promise<void>((resolve) => v6.close(() => resolve())));
    expect((v6.address() as AddressInfo).port).toBe(f.port);
    const h = plutoHttp({ lookup: dualStackLookup });
    const [v4body] = ok(await h.request(`http://localhost:${f.port}/hello`, { dont_make_reusable: true }));
    const [v6body] = ok(await h.request(`http://localhost:${f.port}/hello`, { prefer_ipv6: true, dont_reuse: true, dont_make_reusable: true }));
    expect([v4body, v6body]).toEqual(['hello world', 'six']);
    v6.closeAllConnections();
  });
});

describe('bad input throws Pluto\'s errors at the call (§1.1, §1.3)', () => {
  it('rejects a table without a string url, CR/LF in the URL or a header value, and a header value that is neither string nor number', async () => {
    const h = plutoHttp();
    const call = (...args: unknown[]) => () => (h.request as (...a: unknown[]) => unknown)(...args);
    expect(call({ method: 'GET' })).toThrow("Table is missing 'url' option");
    expect(call({ url: 42 })).toThrow("Table is missing 'url' option");
    expect(call('http://127.0.0.1:1/a\r\nX-Evil: 1')).toThrow("URL can't contain CR or LF");
    expect(call({ url: 'http://127.0.0.1:1/\n' })).toThrow("URL can't contain CR or LF");
    expect(call('http://127.0.0.1:1/', { headers: { 'X-A': 'v\r\nX-Evil: 1' } })).toThrow("header value can't contain CR or LF");
    expect(call('http://127.0.0.1:1/', { headers: { 'X-A': true } })).toThrow(
      "bad extra argument #-1 to 'pluto:http.request' (string expected, got boolean)",
    );
    expect(call('http://127.0.0.1:1/', { headers: { 'X-A': {} } })).toThrow("(string expected, got table)");
    expect(call(42)).toThrow("bad argument #1 to 'request' (string expected, got number)");
    for (const thrower of [call({ method: 'GET' }), call('x\n'), call('http://h/', { headers: { a: false } })]) {
      expect(thrower).toThrow(expect.objectContaining({ name: 'CourierError', code: expect.stringMatching(/^BAD_/) }));
    }
  });

  it('ignores a second argument that is not a table', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const [body] = ok(await (h.request as (a: unknown, b: unknown) => ReturnType<PlutoHttp['request']>)(`${f.url}/echo`, 'body?'));
    expect(JSON.parse(body)).toMatchObject({ method: 'GET' });
  });
});

describe('responses (§1.5, §8.4)', () => {
  it('Title-Cases names, joins repeated headers with ", " (Set-Cookie too), and drops Transfer-Encoding after de-chunking', async () => {
    const f = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end(
        'HTTP/1.1 299 Custom Status Text\r\nx-multi-WORD-header: a\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n' +
          'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n',
      );
    });
    const h = plutoHttp();
    const [body, status, headers, statusText] = ok(await h.request(`${f.url}/`));
    expect([body, status, statusText]).toEqual(['abcdef', 299, 'Custom Status Text']);
    expect(headers).toEqual({ 'X-Multi-Word-Header': 'a', 'Set-Cookie': 'a=1, b=2', Connection: 'close' });
  });

  it('gives "" as the status text of a status line without one', async () => {
    const f = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end('HTTP/1.1 204\r\nConnection: close\r\n\r\n');
    });
    const h = plutoHttp();
    expect(ok(await h.request(`${f.url}/`))).toEqual(['', 204, { Connection: 'close' }, '']);
  });

  it('decodes gzip and deflate bodies, drops Content-Encoding and gives the decoded Content-Length', async () => {
    const f = await fixture();
    const text = 'squeeze me '.repeat(100);
    f.route('/gzip', (_req, res) => {
      const zipped = gzipSync(text);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': zipped.length });
      res.end(zipped);
    });
    f.route('/deflate', (_req, res) => {
      const zipped = deflateSync(text);
      res.writeHead(200, { 'content-encoding': 'deflate', 'content-length': zipped.length });
      res.end(zipped);
    });
    const h = plutoHttp();
    for (const path of ['/gzip', '/deflate']) {
      const [body, , headers] = ok(await h.request(`${f.url}${path}`));
      expect(body).toBe(text);
      expect(headers['Content-Encoding']).toBeUndefined();
      expect(headers['Content-Length']).toBe(String(Buffer.byteLength(text)));
    }
  });

  it('returns a redirect as it is, Location included, without following it', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const [, status, headers] = ok(await h.request(`${f.url}/redirect/302?to=/echo`));
    expect(status).toBe(302);
    expect(headers['Location']).toBe('/echo');
    expect(f.requests).toBe(1);
  });

  it('reads a body delimited by the server closing the connection (Pluto fails it)', async () => {
    const f = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end(ctx.id === 1 ? 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close' : 'HTTP/1.1 200 OK\r\n\r\nno length at all');
    });
    const h = plutoHttp();
    expect(ok(await h.request(`${f.url}/`))[0]).toBe('until close');
    expect(ok(await h.request(`${f.url}/`))[0]).toBe('no length at all');
  });

  it('counts any HTTP status as success', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const [body, status] = ok(await h.request(`${f.url}/status/503`));
    expect([body, status]).toEqual(['status 503', 503]);
  });
});

describe('failure reasons (§1.6)', () => {
  it('maps every Courier error code to one of Pluto\'s reason strings', () => {
    const pluto = new Set([
      'DNS Query Yielded No Results',
      'DNS Query Got No Response',
      'TCP Handshake Timed Out',
      'TCP Handshake Failed',
      'Request Timed Out',
      'Connection Closed Prematurely',
      'Protocol Error',
      'TLS protocol error',
    ]);
    for (const code of errorCodes) expect(pluto.has(plutoReasons[code]), code).toBe(true);
  });

  it('gives nil and the reason: refused, cut mid-body, malformed, untrusted TLS, timed out', async () => {
    const h = plutoHttp();
    expect(await h.request('http://127.0.0.1:1/')).toEqual([null, 'TCP Handshake Failed']);

    const cut = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a little');
    });
    expect(await h.request(`${cut.url}/`)).toEqual([null, 'Connection Closed Prematurely']);

    const garbage = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.end('HTTQ/9 nonsense\r\n\r\n');
    });
    expect(await h.request(`${garbage.url}/`)).toEqual([null, 'Protocol Error']);

    const tls = await fixture({ tls: true });
    expect(await h.request(`${tls.url}/hello`)).toEqual([null, 'TLS protocol error']);

    const slow = await fixture();
    const latch = slow.hold('/held');
    onTestFinished(() => latch.release());
    const quick = plutoHttp({ policy: { totalTimeoutMs: 100 } });
    expect(await quick.request(`${slow.url}/held`)).toEqual([null, 'Request Timed Out']);

    expect(await h.request('ftp://127.0.0.1/')).toEqual([null, 'DNS Query Yielded No Results']);
  });

  it('verifies TLS and succeeds with the fixture CA given', async () => {
    const f = await fixture({ tls: true });
    const h = plutoHttp({ ca: f.ca! });
    const [body, status] = ok(await h.request(`https://127.0.0.1:${f.port}/hello`));
    expect([body, status]).toEqual(['hello world', 200]);
  });
});

describe('both forms', () => {
  it('gives the same tuple awaited outside and yield*-ed inside a coroutine', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const outside = await h.request(`${f.url}/hello`);
    let inside: PlutoResult | undefined;
    const s = new Scheduler();
    s.add(function* () {
      inside = yield* h.request(`${f.url}/hello`);
    });
    await s.run();
    expect(inside![0]).toBe(outside[0]);
    expect(inside![1]).toBe(outside[1]);
    expect(Object.keys(inside![2] as object)).toEqual(Object.keys(outside[2] as object));
    expect(defaultUserAgent).toContain('calamity-inc/Soup');
  });

  it('hasconnection answers a plain boolean, false for what it cannot parse, and rejects a non-string', () => {
    const h = plutoHttp();
    expect(h.hasconnection('http://127.0.0.1:1')).toBe(false);
    expect(h.hasconnection('ftp://127.0.0.1:1')).toBe(false);
    expect(h.hasconnection('http://[bad')).toBe(false);
    expect(() => (h.hasconnection as (r: unknown) => boolean)(5)).toThrow("bad argument #1 to 'hasconnection' (string expected, got number)");
  });
});
